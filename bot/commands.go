package bot

import (
	"context"
	"fmt"
	"strings"
)

// Subcommand describes one word people can type after CommandName.
type Subcommand struct {
	Name  string
	Usage string
	Help  string
	Admin bool
}

// Subcommands lists what members (and admins) can type after CommandName,
// in the order the help shows them.
var Subcommands = []Subcommand{
	{Name: "", Usage: "", Help: "join, or edit your profile"},
	{Name: "status", Usage: "status", Help: "see your profile, whether you are paused, and the next round"},
	{Name: "pause", Usage: "pause [3 weeks | until 2027-01-10]", Help: "take a break from introductions (on its own: until you resume)"},
	{Name: "resume", Usage: "resume", Help: "start receiving introductions again"},
	{Name: "find", Usage: "find TOPIC", Help: "find members who can help with a topic, and ask for an introduction"},
	{Name: "block", Usage: "block @name", Help: "never be introduced to someone; they aren't told (in Teams, by work email; on its own: choose from the people you've met)"},
	{Name: "unblock", Usage: "unblock @name", Help: "undo a block"},
	{Name: "blocks", Usage: "blocks", Help: "see who you've blocked, and unblock them"},
	{Name: "export", Usage: "export", Help: "get everything we store about you, sent to you as a direct message"},
	{Name: "leave", Usage: "leave", Help: "stop taking part and erase everything Rapport holds about you"},
	{Name: "help", Usage: "help", Help: "show this list"},
	{Name: "admin", Usage: "admin practices add|remove|list NAME", Help: "manage the network's list of practices and organisations", Admin: true},
	{Name: "admin", Usage: "admin preview", Help: "a dry run of the next round, shown only to you", Admin: true},
	{Name: "admin", Usage: "admin run-now [--force]", Help: "run a round now, after you confirm", Admin: true},
	{Name: "admin", Usage: "admin stats", Help: "members, rounds, introductions and how many met", Admin: true},
	{Name: "admin", Usage: "admin invite", Help: "post an invitation to join in the network's channel (in Teams, and to each member of the team once), after you confirm", Admin: true},
	{Name: "admin", Usage: "admin dashboard", Help: "a one-time link to the admin pages: the network map, members by practice, rounds and meetups", Admin: true},
}

// Command is a parsed CommandName invocation.
type Command struct {
	Name string // "" opens the profile form
	Args []string
}

// ParseCommand reads the text typed after CommandName. An unknown word
// returns EINVALID whose message suggests the nearest command.
func ParseCommand(text string) (Command, error) {
	words := strings.Fields(text)
	if len(words) == 0 {
		return Command{}, nil
	}
	name := strings.ToLower(words[0])
	for _, c := range Subcommands {
		if c.Name == name && name != "" {
			args := words[1:]
			if name == "admin" && len(args) > 0 {
				// The admin's own subcommand is a command word too, and
				// matches whatever its case; what follows it (a
				// practice's name) keeps the case it was typed in.
				args[0] = strings.ToLower(args[0])
			}
			return Command{Name: name, Args: args}, nil
		}
	}
	msg := []any{"I don't know the command “", Truncate(words[0], 20), "”."}
	if near := nearestCommand(name); near != "" {
		msg = append(msg, " Did you mean ", Cmd(near), "?")
	}
	return Command{Name: "help"}, Refuse(EINVALID, msg...)
}

func nearestCommand(word string) string {
	// A prefix ("exp") says more than a small edit distance ("exp" is two
	// edits from "help").
	if len(word) >= 2 {
		for _, c := range Subcommands {
			if c.Name != "" && !c.Admin && strings.HasPrefix(c.Name, word) {
				return c.Name
			}
		}
	}
	best, bestDist := "", 3 // more than two edits away is no suggestion
	for _, c := range Subcommands {
		if c.Name == "" || c.Admin {
			continue
		}
		if d := editDistance(word, c.Name); d < bestDist {
			best, bestDist = c.Name, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// AdminReply is the outcome of an admin command, as text lines.
type AdminReply struct {
	Title string
	Lines []Text
	// Audit and AuditDetail, when set, are the change to record in the
	// admin log.
	Audit, AuditDetail string
}

// Admin carries out "admin ..." for a network admin. Returns EFORBIDDEN
// for anyone else and EINVALID for words it cannot read.
func (s *Service) Admin(ctx context.Context, u User, args []string) (*AdminReply, error) {
	if s.IsAdmin == nil || !s.IsAdmin(u) {
		return nil, Refuse(EFORBIDDEN, "Only network admins can use ", Cmd("admin"), ". If you think you should be one, ask your PCN's network manager to add you to RAPPORT_ADMINS (in Slack by your member ID, in Teams by your work sign-in address).")
	}
	usage := Refuse(EINVALID, "Try ", Cmd("admin practices list"), ", ", Cmd("admin practices add Riverside Surgery"), ", ", Cmd("admin preview"), ", ", Cmd("admin run-now"), ", ", Cmd("admin stats"), " or ", Cmd("admin dashboard"), ".")
	if len(args) < 2 || !strings.EqualFold(args[0], "practices") {
		return nil, usage
	}
	name := oneLine(strings.Join(args[2:], " "))
	switch strings.ToLower(args[1]) {
	case "list":
		orgs, err := s.Store.ListOrganisations(ctx)
		if err != nil {
			return nil, err
		}
		r := &AdminReply{Title: "The network's list has " + Count(len(orgs), "practice or organisation", "practices and organisations")}
		if len(orgs) == 0 {
			r.Title = "The network's list is empty"
			r.Lines = []Text{P("Add one with ", Cmd("admin practices add NAME"), ".")}
		}
		for _, o := range orgs {
			r.Lines = append(r.Lines, P(o.Name))
		}
		return r, nil
	case "add":
		if name == "" {
			return nil, Refuse(EINVALID, "Which practice? Try ", Cmd("admin practices add Riverside Surgery"), ".")
		}
		if msg := checkText(name, MaxOrganisationLen); msg != "" {
			return nil, Errorf(EINVALID, "That name won't do: %s", msg)
		}
		o, err := s.Store.AddOrganisation(ctx, name, s.now())
		if err != nil {
			return nil, err
		}
		return &AdminReply{Title: fmt.Sprintf("Added %s to the network's list.", o.Name), Audit: AuditOrgAdd, AuditDetail: o.Name}, nil
	case "remove":
		if name == "" {
			return nil, Refuse(EINVALID, "Which practice? Try ", Cmd("admin practices remove Riverside Surgery"), ".")
		}
		if err := s.Store.RemoveOrganisation(ctx, name); err != nil {
			return nil, err
		}
		return &AdminReply{Title: fmt.Sprintf("Removed %s from the network's list.", name), Lines: []Text{P("Members who chose it keep it on their profile.")},
			Audit: AuditOrgRemove, AuditDetail: name}, nil
	}
	return nil, usage
}
