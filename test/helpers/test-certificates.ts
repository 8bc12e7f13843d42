import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface CertPair {
  cert: string;
  key: string;
}

export interface TestPki {
  dir: string;
  /** the CA the broker and the gateway trust */
  ca: CertPair;
  /** the broker's certificate (CN and SAN localhost / 127.0.0.1), signed by ca */
  server: CertPair;
  /** the gateway's client certificate (CN gw-a), signed by ca */
  client: CertPair;
  /** a CA nobody trusts, and a client certificate it signed (refused by the broker) */
  otherCa: CertPair;
  rogueClient: CertPair;
  /** a server certificate for the wrong host name, signed by ca */
  wrongHost: CertPair;
}

/**
 * A throw-away PKI made with the openssl binary (EC P-256, valid one day): one CA, a broker
 * certificate for 127.0.0.1, a client certificate, and the wrong ones a test needs.
 *
 * @example
 *   const pki = makeTestPki(t.testdir());
 *   const broker = await startMosquitto({ tls: { ca: pki.ca.cert, cert: pki.server.cert, key: pki.server.key } });
 */
export function makeTestPki(dir: string): TestPki {
  mkdirSync(dir, { recursive: true });
  const f = (name: string) => path.join(dir, name);
  const ossl = (...args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const key = (name: string) => {
    ossl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', f(`${name}.key`));
    return f(`${name}.key`);
  };
  const ca = (name: string, cn: string): CertPair => {
    const k = key(name);
    ossl('req', '-x509', '-new', '-key', k, '-sha256', '-days', '1', '-subj', `/CN=${cn}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-out', f(`${name}.crt`));
    return { cert: f(`${name}.crt`), key: k };
  };
  const leaf = (name: string, cn: string, signer: CertPair, ext: string[]): CertPair => {
    const k = key(name);
    ossl('req', '-new', '-key', k, '-subj', `/CN=${cn}`, '-out', f(`${name}.csr`));
    writeFileSync(f(`${name}.ext`), `${ext.join('\n')}\n`);
    ossl('x509', '-req', '-in', f(`${name}.csr`), '-CA', signer.cert, '-CAkey', signer.key, '-CAcreateserial', '-days', '1', '-sha256', '-extfile', f(`${name}.ext`), '-out', f(`${name}.crt`));
    return { cert: f(`${name}.crt`), key: k };
  };
  const rootCa = ca('ca', 'afg-test-ca');
  const otherCa = ca('other-ca', 'afg-untrusted-ca');
  const serverExt = ['basicConstraints=CA:FALSE', 'keyUsage=digitalSignature', 'extendedKeyUsage=serverAuth'];
  const clientExt = ['basicConstraints=CA:FALSE', 'keyUsage=digitalSignature', 'extendedKeyUsage=clientAuth'];
  return {
    dir,
    ca: rootCa,
    server: leaf('server', 'localhost', rootCa, [...serverExt, 'subjectAltName=DNS:localhost,IP:127.0.0.1']),
    client: leaf('client', 'gw-a', rootCa, clientExt),
    otherCa,
    rogueClient: leaf('rogue', 'gw-a', otherCa, clientExt),
    wrongHost: leaf('wronghost', 'broker.elsewhere', rootCa, [...serverExt, 'subjectAltName=DNS:broker.elsewhere']),
  };
}
