// The signed-in session and its socket, shared by every view under App (its own module, so
// views import it without importing App).
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Connection, Session } from './session';

export interface Live {
  session: Session;
  connection: Connection;
  // Counts the socket's comebacks after a drop; subscriptions with a cursor resume on a change.
  reconnects: number;
  signOut(reason?: string): void;
}

export const LiveContext = createContext<Live>(null as unknown as Live);

export const useLiveContext = () => useContext(LiveContext);
