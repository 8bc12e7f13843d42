// Child process for the SIGKILL test: appends entries and prints each number once append resolved.
import { ErrorCounter } from '../../gateway/core/errors.ts';
import { Outbox } from '../../gateway/outputs/outbox.ts';

const box = await Outbox.open({ dir: process.argv[2]!, errors: new ErrorCounter() });
for (let i = 1; ; i++) {
  await box.append({ id: `e${i}`, topic: 't', payload: '{}', qos: 1, key: 'k', cls: 'alert' });
  process.stdout.write(`${i}\n`);
}
