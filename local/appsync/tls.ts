import { X509Certificate } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createCA, createCert, type Certificate } from 'mkcert';

/**
 * TLS for the local endpoint, as any local HTTPS dev server has it: a CA of this
 * checkout's own (kept, so a client trusts it once) and a certificate for
 * localhost and 127.0.0.1 signed by it. Amplify JS always dials wss://, so the
 * realtime endpoint needs TLS locally too.
 */
export interface LocalTls {
  /** The CA certificate a client trusts (NODE_EXTRA_CA_CERTS=<this file> for Node). */
  readonly caCertificateFile: string;
  readonly key: string;
  readonly cert: string;
}

const VALIDITY_DAYS = 825;
/** A certificate this close to expiry is made anew at start. */
const RENEW_BEFORE_MS = 7 * 24 * 3600 * 1000;

export async function provideLocalTls(dir: string): Promise<LocalTls> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const files = {
    caCert: join(dir, 'ca.pem'),
    caKey: join(dir, 'ca-key.pem'),
    cert: join(dir, 'localhost.pem'),
    key: join(dir, 'localhost-key.pem'),
  };
  const ca =
    (await kept(files.caCert, files.caKey)) ??
    (await stored(
      files.caCert,
      files.caKey,
      await createCA({
        organization: 'Appointments local development CA',
        countryCode: 'PE',
        state: 'Lima',
        locality: 'Lima',
        validity: VALIDITY_DAYS,
      }),
    ));
  const server =
    (await kept(files.cert, files.key, ca.cert)) ??
    (await stored(
      files.cert,
      files.key,
      await createCert({
        ca,
        domains: ['localhost', '127.0.0.1'],
        validity: VALIDITY_DAYS,
        organization: 'Appointments local stack',
      }),
    ));
  return { caCertificateFile: files.caCert, key: server.key, cert: server.cert };
}

/** The certificate and key in these files, if both are there, not about to expire, and (for a leaf) signed by `caCert`. */
async function kept(certFile: string, keyFile: string, caCert?: string): Promise<Certificate | undefined> {
  try {
    const [cert, key] = await Promise.all([readFile(certFile, 'utf8'), readFile(keyFile, 'utf8')]);
    const x509 = new X509Certificate(cert);
    if (Date.parse(x509.validTo) - Date.now() < RENEW_BEFORE_MS) return undefined;
    if (caCert && !x509.verify(new X509Certificate(caCert).publicKey)) return undefined;
    return { cert, key };
  } catch {
    return undefined;
  }
}

async function stored(certFile: string, keyFile: string, certificate: Certificate): Promise<Certificate> {
  await writeFile(keyFile, certificate.key, { mode: 0o600 });
  await writeFile(certFile, certificate.cert);
  return certificate;
}
