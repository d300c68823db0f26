package slacktest

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

const writeTimeout = 5 * time.Second

var upgrader = websocket.Upgrader{
	// Slack's clients send Origin: https://api.slack.com; any origin will do here.
	CheckOrigin: func(*http.Request) bool { return true },
}

// socketConn is one Socket Mode WebSocket connection.
type socketConn struct {
	id      int
	conn    *websocket.Conn
	writeMu sync.Mutex // gorilla/websocket allows one writer at a time
	done    chan struct{}
	once    sync.Once
	leaving bool // told to disconnect; guarded by Workspace.mu
}

func (c *socketConn) writeJSON(v any) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	_ = c.conn.SetWriteDeadline(time.Now().Add(writeTimeout))
	return c.conn.WriteJSON(v)
}

// close closes the connection without a close frame, as a lost link would.
func (c *socketConn) close() {
	c.once.Do(func() {
		close(c.done)
		_ = c.conn.Close()
	})
}

// drop resets the TCP connection (RST rather than FIN), as a crashed
// load balancer would.
func (c *socketConn) drop() {
	if tcp, ok := c.conn.UnderlyingConn().(*net.TCPConn); ok {
		_ = tcp.SetLinger(0)
	}
	c.close()
}

// serveSocket accepts a WebSocket on a ticket from apps.connections.open,
// says hello, pings, and reads acks until the connection ends.
func (ws *Workspace) serveSocket(w http.ResponseWriter, r *http.Request) {
	ticket := r.URL.Query().Get("ticket")
	ws.mu.Lock()
	valid := ws.tickets[ticket]
	delete(ws.tickets, ticket) // a URL works once, as Slack's do
	ws.mu.Unlock()
	if !valid {
		http.Error(w, "invalid or used ticket", http.StatusUnauthorized)
		return
	}
	conn, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		ws.log.Warn("slacktest: websocket upgrade", "err", err)
		return
	}
	c := &socketConn{conn: conn, done: make(chan struct{})}

	// The connection is registered before hello is written, with its writer
	// held, so that anything sent on it (an envelope, a disconnect) follows
	// the hello the client has seen.
	c.writeMu.Lock()
	ws.mu.Lock()
	if ws.ctx.Err() != nil {
		ws.mu.Unlock()
		c.writeMu.Unlock()
		c.close()
		return
	}
	ws.connSeq++
	c.id = ws.connSeq
	ws.conns[c.id] = c
	numConns := len(ws.conns)
	ws.wg.Go(func() { ws.readAcks(c) })
	ws.wg.Go(func() { ws.ping(c) })
	ws.mu.Unlock()

	_ = c.conn.SetWriteDeadline(time.Now().Add(writeTimeout))
	err = c.conn.WriteJSON(ws.helloEnvelope(numConns))
	c.writeMu.Unlock()
	if err != nil {
		ws.log.Warn("slacktest: write hello", "conn", c.id, "err", err)
		c.close()
		return
	}
	ws.mu.Lock()
	ws.hellos++
	ws.notifyLocked()
	ws.mu.Unlock()
	ws.log.Info("slacktest: socket connected", "conn", c.id, "num_connections", numConns)
}

func (ws *Workspace) helloEnvelope(numConns int) obj {
	return obj{
		"type":            "hello",
		"num_connections": numConns,
		"debug_info": obj{
			"host":                        "applink-slacktest-" + ws.ln.Addr().(*net.TCPAddr).AddrPort().String(),
			"started":                     time.Now().UTC().Format("2006-01-02 15:04:05.000"),
			"build_number":                1,
			"approximate_connection_time": 18060,
		},
		"connection_info": obj{"app_id": ws.cfg.appID},
	}
}

// readAcks reads the client's messages (acks) until the connection fails.
func (ws *Workspace) readAcks(c *socketConn) {
	defer ws.removeConn(c)
	for {
		_, data, err := c.conn.ReadMessage()
		if err != nil {
			ws.log.Info("slacktest: socket closed", "conn", c.id, "err", err)
			return
		}
		ws.receiveAck(c, data, time.Now())
	}
}

func (ws *Workspace) removeConn(c *socketConn) {
	c.close()
	ws.mu.Lock()
	defer ws.mu.Unlock()
	delete(ws.conns, c.id)
	ws.notifyLocked()
}

// ping sends a WebSocket ping every ping interval, as Slack does; the
// client's reader answers with a pong.
func (ws *Workspace) ping(c *socketConn) {
	t := time.NewTicker(ws.cfg.pingInterval)
	defer t.Stop()
	send := func() {
		ws.mu.Lock()
		paused := ws.pingsPaused
		ws.mu.Unlock()
		if !paused {
			// WriteControl may run concurrently with the other writer.
			_ = c.conn.WriteControl(websocket.PingMessage, []byte("slacktest"), time.Now().Add(writeTimeout))
		}
	}
	send()
	for {
		select {
		case <-c.done:
			return
		case <-ws.ctx.Done():
			return
		case <-t.C:
			send()
		}
	}
}

// PausePings stops (true) or resumes (false) the WebSocket pings on every
// connection. Without pings, slack-go's client drops the connection after
// its ping interval and reconnects.
func (ws *Workspace) PausePings(paused bool) {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	ws.pingsPaused = paused
}

// Disconnect sends a disconnect envelope with reason ("refresh_requested",
// "link_disabled", "warning"...) on every open connection, and closes those
// the client has not closed itself after the disconnect grace period
// (except for "warning", which announces a later disconnect). It returns
// the number of connections told.
func (ws *Workspace) Disconnect(reason string) int {
	env := obj{
		"type":       "disconnect",
		"reason":     reason,
		"debug_info": obj{"host": "wss-slacktest-" + ws.ln.Addr().String()},
	}
	told := 0
	for _, c := range ws.openConns() {
		if err := c.writeJSON(env); err != nil {
			c.close()
			continue
		}
		told++
		if reason == "warning" {
			continue
		}
		ws.mu.Lock()
		c.leaving = true
		if ws.ctx.Err() == nil {
			ws.wg.Go(func() {
				t := time.NewTimer(ws.cfg.disconnectGrace)
				defer t.Stop()
				select {
				case <-t.C:
					c.close()
				case <-c.done:
				case <-ws.ctx.Done():
				}
			})
		}
		ws.mu.Unlock()
	}
	return told
}

// DropSockets resets every open Socket Mode connection at the TCP level,
// without a disconnect envelope or close frame. It returns how many it
// dropped.
func (ws *Workspace) DropSockets() int {
	conns := ws.openConns()
	for _, c := range conns {
		c.drop()
	}
	return len(conns)
}

func (ws *Workspace) openConns() []*socketConn {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	out := make([]*socketConn, 0, len(ws.conns))
	for _, c := range ws.conns {
		out = append(out, c)
	}
	return out
}

// Connections returns the number of open Socket Mode connections.
func (ws *Workspace) Connections() int {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	return len(ws.conns)
}

// Hellos returns how many connections the workspace has said hello on
// since it started: one more than the number of reconnections.
func (ws *Workspace) Hellos() int {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	return ws.hellos
}

// WaitForHello waits until the workspace has said hello on at least n
// connections in total and a connection is open.
func (ws *Workspace) WaitForHello(ctx context.Context, n int) error {
	return ws.waitLocked(ctx, func() bool { return ws.hellos >= n && len(ws.conns) > 0 })
}

// pickConnLocked returns the connection to send an envelope on: the
// newest one not told to disconnect, or failing that the newest. Slack
// spreads envelopes over an app's connections; choosing the newest keeps
// tests deterministic and avoids a connection the client is closing.
func (ws *Workspace) pickConnLocked() *socketConn {
	var best *socketConn
	for _, c := range ws.conns {
		switch {
		case best == nil:
			best = c
		case best.leaving != c.leaving:
			if !c.leaving {
				best = c
			}
		case c.id > best.id:
			best = c
		}
	}
	return best
}

// receiveAck records an ack ({"envelope_id": ..., "payload": ...}).
func (ws *Workspace) receiveAck(c *socketConn, data []byte, at time.Time) {
	var msg struct {
		EnvelopeID string          `json:"envelope_id"`
		Payload    json.RawMessage `json:"payload"`
	}
	if err := json.Unmarshal(data, &msg); err != nil || msg.EnvelopeID == "" {
		ws.log.Warn("slacktest: unreadable message from client", "conn", c.id, "data", string(data))
		return
	}
	if string(msg.Payload) == "null" {
		msg.Payload = nil
	}
	ws.mu.Lock()
	defer ws.mu.Unlock()
	defer ws.notifyLocked()
	if len(data) >= maxAckSize {
		// Slack drops such an ack's payload without a word: the person
		// sees nothing, or an error.
		ws.violateLocked("ack", fmt.Sprintf("an ack of %d bytes; Slack drops those of %d bytes or more", len(data), maxAckSize))
		msg.Payload = nil
	}
	ack := Ack{EnvelopeID: msg.EnvelopeID, Payload: msg.Payload, ReceivedAt: at, Conn: c.id}
	d, ok := ws.deliveries[msg.EnvelopeID]
	if !ok || len(d.attempts) == 0 {
		ws.strayAcks = append(ws.strayAcks, ack)
		return
	}
	last := d.attempts[len(d.attempts)-1]
	ack.RetryAttempt = last.RetryAttempt
	ack.Latency = at.Sub(last.SentAt)
	first := len(d.acks) == 0
	d.acks = append(d.acks, ack)
	if first {
		ws.applyAckLocked(d, ack)
	}
}
