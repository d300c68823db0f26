package teams

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/rapport-pcn/rapport/bot"
)

// DownloadStore keeps one-time downloads where every replica sees them.
type DownloadStore interface {
	// SaveDownload stores a download.
	SaveDownload(ctx context.Context, d bot.Download) error
	// TakeDownload returns the download whose token hashes to tokenHash
	// and deletes it, in one step: a second take finds nothing. Returns
	// ENOTFOUND when it is unknown, taken already or expired at now.
	TakeDownload(ctx context.Context, tokenHash string, now time.Time) (*bot.Download, error)
}

// downloadTTL is how long a download link works.
const downloadTTL = 15 * time.Minute

// maxTokenLen bounds a download token read from a path: the tokens made
// are 26 characters, so anything much longer is not worth a lookup.
const maxTokenLen = 64

// downloadPath is where download links point, under the public URL.
const downloadPath = "/download/"

// maxChatPre is the longest preformatted text sent in chat messages
// when there is no way to offer a download: it goes in pieces of this.
const maxChatPre = 24 << 10

// deliverable returns the messages that carry m in Teams: m itself when
// it fits one card; a download link in its place when it holds
// preformatted text too long for a card (an export) and Rapport has a
// public address; else the text in pieces that each fit.
func (a *Adapter) deliverable(ctx context.Context, userID string, m *bot.Message) []*bot.Message {
	if len(messageCards(m)) <= 1 {
		return []*bot.Message{m}
	}
	pre, ok := onlyPre(m)
	if !ok {
		return []*bot.Message{m}
	}
	if a.publicURL != "" && a.downloads != nil {
		token := rand.Text()
		now := a.now()
		d := bot.Download{TokenHash: hashToken(token), Platform: Platform, UserID: userID, Filename: "rapport-data.json",
			Body: []byte(pre), CreatedAt: now, ExpiresAt: now.Add(downloadTTL)}
		if err := a.downloads.SaveDownload(ctx, d); err == nil {
			link := strings.TrimSuffix(a.publicURL, "/") + downloadPath + token
			return []*bot.Message{bot.DownloadMessage(link, d.ExpiresAt, a.chat.Location)}
		} else {
			a.log.Error("could not store a download; sending the text in pieces", "err", err)
		}
	}
	var out []*bot.Message
	for _, piece := range splitPre(pre, maxChatPre) {
		out = append(out, &bot.Message{Summary: m.Summary, Sections: []bot.Section{{Pre: piece}}})
	}
	return out
}

// onlyPre returns the preformatted text of a message that is one.
func onlyPre(m *bot.Message) (string, bool) {
	var pre string
	for _, s := range m.Sections {
		if s.Pre != "" {
			if pre != "" {
				return "", false
			}
			pre = s.Pre
		}
	}
	return pre, pre != ""
}

// splitPre cuts s at line ends into pieces of at most n bytes (a line
// longer than n is cut at a character boundary).
func splitPre(s string, n int) []string {
	var out []string
	for len(s) > n {
		cut := strings.LastIndexByte(s[:n], '\n')
		if cut <= 0 {
			cut = n
			for cut > 0 && !utf8Start(s[cut]) {
				cut--
			}
		}
		out = append(out, s[:cut])
		s = strings.TrimPrefix(s[cut:], "\n")
	}
	return append(out, s)
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// downloadPage is what opening a download link shows: Teams and browsers
// fetch links to preview them, so only pressing the button spends it.
var downloadPage = template.Must(template.New("download").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>Rapport: {{.Title}}</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;line-height:1.5;color:#1b1b1b}
button{font-size:1rem;padding:.6rem 1.2rem;background:#005eb8;color:#fff;border:0;border-radius:4px;cursor:pointer}
button:focus{outline:3px solid #ffeb3b}</style></head>
<body><h1>{{.Title}}</h1><p>{{.Text}}</p>
{{if .Button}}<form method="post"><button type="submit">{{.Button}}</button></form>{{end}}
</body></html>`))

type downloadView struct{ Title, Text, Button string }

// serveDownload shows a download link's page (GET) and hands over the
// file once (POST).
func (a *Adapter) serveDownload(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	token := strings.TrimPrefix(r.URL.Path, downloadPath)
	if token == "" || len(token) > maxTokenLen || strings.Contains(token, "/") || a.downloads == nil {
		http.NotFound(w, r)
		return
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = downloadPage.Execute(w, downloadView{Title: bot.DownloadPageTitle, Text: bot.DownloadPageText, Button: bot.DownloadButton})
	case http.MethodPost:
		d, err := a.downloads.TakeDownload(r.Context(), hashToken(token), a.now())
		if err != nil {
			if bot.ErrorCode(err) != bot.ENOTFOUND {
				a.log.Error("could not read a download", "err", err)
			}
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(http.StatusGone)
			_ = downloadPage.Execute(w, downloadView{Title: bot.DownloadGoneTitle, Text: bot.DownloadGoneText})
			return
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="`+d.Filename+`"`)
		_, _ = w.Write(d.Body)
	default:
		w.Header().Set("Allow", "GET, HEAD, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}
