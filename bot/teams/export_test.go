package teams

import (
	"encoding/json"

	"github.com/rapport-pcn/rapport/bot"
)

// FirstCard is the first Adaptive Card the adapter sends for m, for the
// tests outside the package that compare what Teams shows with it.
func FirstCard(m *bot.Message) json.RawMessage { return messageCards(m)[0].Content }
