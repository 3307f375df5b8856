// numericId reads the integer key of a global id (base64url "Message:12"), or a plain one.
export function numericId(id: string | null | undefined): number {
  if (!id) return 0;
  if (/^\d+$/.test(id)) return Number(id);
  try {
    const raw = atob(id.replace(/-/g, '+').replace(/_/g, '/'));
    const n = Number(raw.slice(raw.indexOf(':') + 1));
    return Number.isFinite(n) ? n : 0;
  } catch {
    return 0;
  }
}
