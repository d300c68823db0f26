package teamstest

import (
	"net/http"
	"time"
)

// AnyOp makes a fault apply to every Connector op and the token endpoint.
const AnyOp = "*"

// faultRule is an injected failure and how many requests it has left.
type faultRule struct {
	op         string
	status     int
	retryAfter time.Duration
	left       int // -1: until ClearFaults
}

// Fail answers the next times requests of op ("send", "create", "update",
// "delete", "members", "teams", "token" or AnyOp) with status, and a
// Retry-After header when retryAfter is positive (in Teams' time, whole
// seconds). A negative times fails every such request until ClearFaults.
// Connector faults come after the token check, so a bad token still gets
// 401. Rules apply in the order they were added.
func (s *Server) Fail(op string, status int, times int, retryAfter time.Duration) {
	if times == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &faultRule{op: op, status: status, retryAfter: retryAfter, left: times})
}

// ClearFaults removes every injected fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// FaultsLeft returns how many more requests of op the injected faults will
// fail (-1 if a rule fails them until ClearFaults).
func (s *Server) FaultsLeft(op string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.faults {
		if r.op == op || r.op == AnyOp {
			if r.left < 0 {
				return -1
			}
			n += r.left
		}
	}
	return n
}

// takeFault returns the fault the request of op should get, if any.
func (s *Server) takeFault(op, _ string) (faultRule, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, r := range s.faults {
		if r.op != op && (r.op != AnyOp || op == "metadata" || op == "keys") {
			continue
		}
		f := *r
		if r.left > 0 {
			r.left--
			if r.left == 0 {
				s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
			}
		}
		s.notifyLocked()
		return f, true
	}
	return faultRule{}, false
}

// Block makes u block the bot: the bot's sends and updates in u's
// personal chat get 403 with subCode MessageWritesBlocked. Creating the
// conversation still works, as it does in Teams.
func (s *Server) Block(u *User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.blocked[u.ID] = true
}

// Unblock undoes Block.
func (s *Server) Unblock(u *User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.blocked, u.ID)
}

// faultCode is the error code an injected status carries.
func faultCode(status int) string {
	switch status {
	case http.StatusTooManyRequests:
		return "Throttled"
	case http.StatusPreconditionFailed:
		return "PreconditionFailed"
	case http.StatusBadGateway:
		return "ServiceError"
	case http.StatusServiceUnavailable:
		return "ServiceUnavailable"
	case http.StatusGatewayTimeout:
		return "GatewayTimeout"
	case http.StatusForbidden:
		return "Forbidden"
	case http.StatusNotFound:
		return "NotFound"
	case http.StatusUnauthorized:
		return "Unauthorized"
	}
	return "InternalServerError"
}
