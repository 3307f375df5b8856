package pgembed

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"
)

// probe connects as a client would and succeeds once the server is ready for queries. A bare
// TCP connect succeeds earlier, while the server still answers "the database system is
// starting up".
func probe(ctx context.Context, port int) error {
	d := net.Dialer{Timeout: time.Second}
	conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(2 * time.Second)); err != nil {
		return err
	}
	if _, err := conn.Write(startupMessage("postgres", "postgres")); err != nil {
		return err
	}
	r := bufio.NewReader(conn)
	for {
		typ, body, err := readMessage(r)
		if err != nil {
			return err
		}
		switch {
		case typ == 'Z', typ == 'R' && !bytes.Equal(body[:min(4, len(body))], []byte{0, 0, 0, 0}):
			// Ready for queries, or asking for a password: either way it accepts connections.
			_, _ = conn.Write([]byte{'X', 0, 0, 0, 4}) // Terminate, to keep the server log quiet
			return nil
		case typ == 'E':
			return errors.New(errorText(body))
		}
	}
}

// startupMessage is the first message of protocol 3.0: length, version, then name/value pairs.
func startupMessage(user, database string) []byte {
	b := make([]byte, 4, 64) // length, filled in below
	b = binary.BigEndian.AppendUint32(b, 3<<16)
	for _, s := range []string{"user", user, "database", database} {
		b = append(b, s...)
		b = append(b, 0)
	}
	b = append(b, 0)
	binary.BigEndian.PutUint32(b, uint32(len(b)))
	return b
}

// readMessage reads one backend message: a type byte, a length that counts itself, a body.
func readMessage(r *bufio.Reader) (byte, []byte, error) {
	var head [5]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return 0, nil, err
	}
	n := binary.BigEndian.Uint32(head[1:])
	if n < 4 || n > 1<<20 {
		return 0, nil, fmt.Errorf("not a PostgreSQL message (length %d)", n)
	}
	body := make([]byte, n-4)
	if _, err := io.ReadFull(r, body); err != nil {
		return 0, nil, err
	}
	return head[0], body, nil
}

// errorText picks the human-readable message (field 'M') out of an ErrorResponse body.
func errorText(body []byte) string {
	for _, field := range bytes.Split(body, []byte{0}) {
		if len(field) > 0 && field[0] == 'M' {
			return string(field[1:])
		}
	}
	return "server refused the connection"
}
