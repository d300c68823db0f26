package main

import (
	"html/template"
	"net/http"

	"github.com/rapport-pcn/rapport/config"
)

// The pages Teams asks every app to link to (a website, a privacy notice
// and terms of use), served at RAPPORT_PUBLIC_URL's /, /privacy and
// /terms by the Teams listener, so that the package "rapport
// teams-package" makes points somewhere true. A PCN with its own notice
// links to that instead (--privacy-url, --terms-url).
var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;line-height:1.55;color:#1b1b1b}
h1{font-size:1.6rem}h2{font-size:1.15rem;margin-top:1.6rem}a{color:#005eb8}a:focus{outline:3px solid #ffeb3b}</style></head>
<body><h1>{{.Title}}</h1>{{range .Sections}}<h2>{{.Heading}}</h2>{{range .Paragraphs}}<p>{{.}}</p>{{end}}{{end}}
<p><a href="/">About Rapport</a> · <a href="/privacy">Privacy</a> · <a href="/terms">Terms of use</a></p></body></html>`))

type page struct {
	Title    string
	Sections []pageSection
}

type pageSection struct {
	Heading    string
	Paragraphs []string
}

func sitePages(cfg config.Config) map[string]page {
	retention := cfg.Retention.String()
	return map[string]page{
		"/": {Title: "Rapport", Sections: []pageSection{
			{Heading: "What it is", Paragraphs: []string{
				"Rapport introduces people across the practices and partner organisations of a Primary Care Network, a few at a time, with a reason to talk and a first question. It also announces the network's meetups and keeps count of who is coming.",
				"Your PCN runs Rapport for its own members. Nobody takes part until they set up a profile, and anyone can pause or leave at any time.",
			}},
			{Heading: "Getting started in Teams", Paragraphs: []string{
				"Open a chat with Rapport and type introduce-me to set up your profile, or help to see everything it can do.",
			}},
		}},
		"/privacy": {Title: "Rapport: privacy notice", Sections: []pageSection{
			{Heading: "Who looks after your data", Paragraphs: []string{
				"Your Primary Care Network runs Rapport and decides how it is used; ask your network manager about anything on this page. Rapport keeps its data in the PCN's own database, not with the makers of Rapport.",
			}},
			{Heading: "What Rapport keeps", Paragraphs: []string{
				"Only what you put in your profile (your organisation, sector, role, career stage, interests, what you can offer and want to learn, how often you want introductions and a line about you), your name as Teams or Slack gives it, and your account's IDs.",
				"In Teams it also keeps your sign-in name (so that an introduction can link to a chat with you), and the IDs of your chat with Rapport and of the messages it sent you.",
				"It keeps your introductions (with whom, when, what you answered), anyone you said was not a good match, and your answers to meetups. Please never put patient information in your profile.",
			}},
			{Heading: "Who sees it", Paragraphs: []string{
				"The people you are introduced to see your profile in the introduction. The network's admins see profiles when they preview a round, and totals. Nobody else does.",
			}},
			{Heading: "How long", Paragraphs: []string{
				"History older than " + retention + " is deleted. If your account can no longer be reached for 90 days, everything about you is erased.",
			}},
			{Heading: "Your rights", Paragraphs: []string{
				"Type export to receive everything Rapport stores about you. Type leave to erase it: your profile, your account's details and your answers go at once, and the people you were introduced to see \"a member who has left\". What the database's own backups hold is up to your PCN's backup policy.",
			}},
		}},
		"/terms": {Title: "Rapport: terms of use", Sections: []pageSection{
			{Heading: "Using Rapport", Paragraphs: []string{
				"Rapport is for the members of your Primary Care Network to meet and learn from each other. Be kind, keep what colleagues tell you in confidence, and never share patient information through it.",
				"Taking part is up to you: you can pause or leave at any time. Your PCN may pause or remove a profile that breaks these terms.",
			}},
		}},
	}
}

// servePages adds the site's pages to mux.
func servePages(mux *http.ServeMux, cfg config.Config) {
	for path, p := range sitePages(cfg) {
		pattern := "GET " + path
		if path == "/" {
			pattern = "GET /{$}"
		}
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("X-Content-Type-Options", "nosniff")
			_ = pageTemplate.Execute(w, p)
		})
	}
}
