package bot

import (
	"net/url"
	"strings"
	"testing"
)

// The links on a Teams intro open a chat and a meeting with the other
// members, named by principal name, with spaces as %20 (Teams' deep links
// do not read "+" as a space) and a plus sign in a name kept as itself.
func TestChatLinks(t *testing.T) {
	links := ChatLinks([]string{"tom.reid@nhs.net", "ana+pcn@nhs.net"})
	if len(links) != 2 || links[0].Label != StartChatLabel || links[1].Label != ProposeMeetingLabel {
		t.Fatalf("links = %+v", links)
	}
	chat, err := url.Parse(links[0].URL)
	if err != nil {
		t.Fatal(err)
	}
	if chat.Host != "teams.microsoft.com" || chat.Path != "/l/chat/0/0" {
		t.Errorf("chat link goes to %s%s", chat.Host, chat.Path)
	}
	q := chat.Query()
	if got := q.Get("users"); got != "tom.reid@nhs.net,ana+pcn@nhs.net" {
		t.Errorf("users = %q", got)
	}
	if q.Get("topicName") != IntroChatTopic || q.Get("message") != IntroChatOpening {
		t.Errorf("topic %q, message %q", q.Get("topicName"), q.Get("message"))
	}
	if strings.Contains(chat.RawQuery, "+") && !strings.Contains(chat.RawQuery, "%2B") {
		t.Errorf("a space is written as +: %s", chat.RawQuery)
	}
	if strings.Contains(links[0].URL, "Hello!+") {
		t.Errorf("a space is written as +: %s", links[0].URL)
	}
	meet, _ := url.Parse(links[1].URL)
	if meet.Path != "/l/meeting/new" || meet.Query().Get("attendees") != "tom.reid@nhs.net,ana+pcn@nhs.net" || meet.Query().Get("subject") != IntroChatTopic {
		t.Errorf("meeting link = %s", links[1].URL)
	}

	// Two people: no topic, which Teams applies to group chats only.
	one, _ := url.Parse(ChatLinks([]string{"tom.reid@nhs.net"})[0].URL)
	if one.Query().Has("topicName") {
		t.Errorf("a one-to-one chat link names a topic: %s", one)
	}
	if ChatLinks(nil) != nil {
		t.Error("links with nobody to chat with")
	}
}
