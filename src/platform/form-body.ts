import type { IncomingMessage } from 'node:http';

/**
 * The one limit on the urlencoded bodies Castellan reads itself (the login forms; userinfo, introspection and
 * revocation requests before node-oidc-provider sees them). It is the provider's own limit (56 KiB, in its
 * lib/shared/selective_body.js), so no request the provider would accept is refused here.
 */
export const MAX_FORM_BYTES = 56 * 1024;

export class FormTooLargeError extends Error {
  constructor() {
    super(`a form body may hold at most ${MAX_FORM_BYTES} bytes`);
  }
}

/**
 * Reads an urlencoded request body into strings only (URLSearchParams never yields objects, so no operator
 * injection). A body declared or found to be larger than MAX_FORM_BYTES throws FormTooLargeError. The caller checks
 * the content type first.
 */
export async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  if (Number(req.headers['content-length'] ?? 0) > MAX_FORM_BYTES) throw new FormTooLargeError();
  return new URLSearchParams((await readBody(req, MAX_FORM_BYTES)).toString('utf8'));
}

/**
 * The request's body, read with the stream's events rather than its async iterator (which builds an iterator, a
 * promise per chunk and a stream-finished listener per request: 1% of a worker's CPU on introspection,
 * bench/README.md "Introspection"), ending as the iterator's loop did: a body over `limit` stops the read and destroys
 * the request (the loop's early exit destroys the stream), a stream that errs or closes before its end rejects.
 */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer<ArrayBuffer>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = (error: Error | null) => {
      req.off('data', onData).off('end', onEnd).off('error', settle).off('close', onClose);
      if (error) reject(error);
      else resolve(Buffer.concat(chunks));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      settle(new FormTooLargeError());
      req.destroy();
    };
    const onEnd = () => settle(null);
    const onClose = () => settle(Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
    if (req.readableEnded) return resolve(Buffer.alloc(0));
    if (req.destroyed) return onClose();
    req.on('data', onData).on('end', onEnd).on('error', settle).on('close', onClose);
  });
}

/** A parameter sent exactly once, else undefined (a repeated parameter is ambiguous, as OAuth 2.0 treats it). */
export function soleValue(form: URLSearchParams, name: string): string | undefined {
  const values = form.getAll(name);
  return values.length === 1 ? values[0] : undefined;
}

type RequestWithBody = IncomingMessage & { body?: unknown };

/**
 * The urlencoded body of a request on its way to node-oidc-provider: as a middleware in front of it read it already
 * (handed on as `req.body`), or read now. Throws FormTooLargeError as readForm does.
 */
export async function providerBoundForm(req: IncomingMessage): Promise<URLSearchParams> {
  const read = (req as RequestWithBody).body;
  return typeof read === 'string' ? new URLSearchParams(read) : readForm(req);
}

/** Hands a (changed) form on as `req.body`, which the provider parses as if it had read it (selective_body.js). */
export function handOnForm(req: IncomingMessage, form: URLSearchParams): void {
  (req as RequestWithBody).body = form.toString();
}

/** A multipart form (a file upload) may be larger: its files' own limits are the routes' to check and explain. */
export const MAX_MULTIPART_BYTES = 1024 * 1024;

export interface UploadForm {
  form: URLSearchParams;
  /** Each file field's bytes (an empty one when no file was chosen). */
  files: Map<string, Buffer>;
}

/**
 * Reads a `multipart/form-data` body (RFC 7578) with the platform's own parser (the Fetch API's `formData()`, in Node
 * since 18): the text fields as a form, the files as bytes; null when it is no such body. Larger than
 * MAX_MULTIPART_BYTES: FormTooLargeError.
 */
export async function readMultipartForm(req: IncomingMessage): Promise<UploadForm | null> {
  if (Number(req.headers['content-length'] ?? 0) > MAX_MULTIPART_BYTES) throw new FormTooLargeError();
  const body = await readBody(req, MAX_MULTIPART_BYTES);
  let parsed: FormData;
  try {
    parsed = await new Response(body, {
      headers: { 'content-type': req.headers['content-type'] ?? '' },
    }).formData();
  } catch {
    return null;
  }
  const form = new URLSearchParams();
  const files = new Map<string, Buffer>();
  const entries: Array<[string, FormDataEntryValue]> = [];
  parsed.forEach((value, name) => entries.push([name, value]));
  for (const [name, value] of entries) {
    if (typeof value === 'string') form.append(name, value);
    else files.set(name, Buffer.from(await value.arrayBuffer()));
  }
  return { form, files };
}
