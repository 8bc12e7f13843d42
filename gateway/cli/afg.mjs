#!/usr/bin/env node
// The `afg` command. The gateway is written in TypeScript and runs through tsx's loader, so a
// checkout works after `npm install` with no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
const code = await main(process.argv.slice(2));
if (typeof code === 'number') process.exitCode = code;
