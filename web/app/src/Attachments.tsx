// Attachments: the multipart upload with progress (XHR, since fetch reports none), image
// previews and downloads. Files are fetched with the token, so only participants see them.
import { stringifyDocument } from '@urql/core';
import { useEffect, useState } from 'preact/hooks';
import { useI18n } from './i18n';
import { useLiveContext } from './live';
import { authedBlob } from './session';
import { SendMutation } from './ops';
import type { MsgFragment, SendMessageInput } from './gql/graphql';

type Att = MsgFragment['attachments'][number];

// uploadSend sends a message with files as a GraphQL multipart request.
export function uploadSend(token: string, input: SendMessageInput, onProgress: (fraction: number) => void): Promise<MsgFragment> {
  const files: File[] = [];
  const map: Record<string, string[]> = {};
  const attachments = (input.attachments ?? []).map((a, k) => {
    if (!a.file) return a;
    map[String(files.length)] = [`variables.input.attachments.${k}.file`];
    files.push(a.file);
    return { ...a, file: null };
  });
  const form = new FormData();
  form.append('operations', JSON.stringify({ query: stringifyDocument(SendMutation), variables: { input: { ...input, attachments } } }));
  form.append('map', JSON.stringify(map));
  files.forEach((f, k) => form.append(String(k), f, f.name));
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/graphql');
    xhr.setRequestHeader('authorization', `Bearer ${token}`);
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onerror = () => reject(new Error('network'));
    xhr.onload = () => {
      try {
        const body = JSON.parse(xhr.responseText);
        if (xhr.status === 401) return reject(Object.assign(new Error('unauthenticated'), { auth: true }));
        const first = body.errors?.[0];
        if (first) return reject(Object.assign(new Error(first.message), { code: first.extensions?.code ?? 'INTERNAL' }));
        resolve(body.data.sendMessage.message);
      } catch (e) {
        reject(e);
      }
    };
    xhr.send(form);
  });
}

export function AttachmentView({ a }: { a: Att }) {
  const i = useI18n();
  const { session } = useLiveContext();
  const [src, setSrc] = useState('');
  const image = a.contentType.startsWith('image/');
  const sameOrigin = a.url.startsWith('/');
  useEffect(() => {
    if (!image || !sameOrigin) return;
    let url = '';
    authedBlob(session.token, a.url)
      .then((b) => setSrc((url = URL.createObjectURL(b))))
      .catch(() => setSrc(''));
    return () => url && URL.revokeObjectURL(url);
  }, [a.url]);
  const download = () => downloadAuthed(session.token, a.url, a.name);
  return (
    <div class="attachment" data-attachment={a.name}>
      {image && src && <img src={src} alt={a.name} class="preview" />}
      {sameOrigin ? (
        <button type="button" class="link" onClick={() => void download()} aria-label={i.t('download', { name: a.name })}>
          ⬇ {a.name} ({i.bytes(a.size)})
        </button>
      ) : (
        <span>
          {a.name} ({i.bytes(a.size)})
        </span>
      )}
    </div>
  );
}

// downloadAuthed saves a same-origin file fetched with the token (a plain link would carry
// none) through a short-lived blob URL.
export async function downloadAuthed(token: string, href: string, name: string): Promise<void> {
  const b = await authedBlob(token, href);
  const url = URL.createObjectURL(b);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
