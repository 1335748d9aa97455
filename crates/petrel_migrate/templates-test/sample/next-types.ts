// A stand-in for `next`'s NextApiRequest / NextApiResponse (same shape, built on Node's http
// types), so the sample handler is typed as a real one without installing `next`.
import type { IncomingMessage, ServerResponse } from "node:http";

export interface NextApiRequest extends IncomingMessage {
  query: Partial<{ [key: string]: string | string[] }>;
  cookies: Partial<{ [key: string]: string }>;
  body: any;
  env: Record<string, string | undefined>;
  draftMode?: boolean;
  preview?: boolean;
  previewData?: unknown;
}

export type NextApiResponse<Data = any> = ServerResponse & {
  send: (body: Data) => void;
  json: (body: Data) => void;
  status: (statusCode: number) => NextApiResponse<Data>;
  redirect(url: string): NextApiResponse<Data>;
  redirect(status: number, url: string): NextApiResponse<Data>;
  setDraftMode: (options: { enable: boolean }) => NextApiResponse<Data>;
  setPreviewData: (data: object | string, options?: { maxAge?: number; path?: string }) => NextApiResponse<Data>;
  clearPreviewData: (options?: { path?: string }) => NextApiResponse<Data>;
  revalidate: (urlPath: string, opts?: { unstable_onlyGenerated?: boolean }) => Promise<void>;
};

export type NextApiHandler<T = any> = (req: NextApiRequest, res: NextApiResponse<T>) => unknown | Promise<unknown>;
