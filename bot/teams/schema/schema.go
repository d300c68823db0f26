// Package schema holds the Bot Framework wire types Rapport's Teams
// adapter and its stand-in share: activities, accounts, conversations,
// attachments and invoke responses, as the Bot Framework REST API and
// Teams document them. Only the fields Rapport reads or writes are here.
package schema

import "encoding/json"

// Activity types.
const (
	TypeMessage            = "message"
	TypeConversationUpdate = "conversationUpdate"
	TypeInstallationUpdate = "installationUpdate"
	TypeInvoke             = "invoke"
	TypeInvokeResponse     = "invokeResponse"
	TypeMessageReaction    = "messageReaction"
	TypeTyping             = "typing"
)

// Invoke names Rapport answers.
const (
	InvokeAdaptiveCardAction = "adaptiveCard/action"
	InvokeTaskFetch          = "task/fetch"
	InvokeTaskSubmit         = "task/submit"
)

// ChannelTeams is the channelId of every Teams activity.
const ChannelTeams = "msteams"

// Content types.
const (
	ContentTypeAdaptiveCard = "application/vnd.microsoft.card.adaptive"
	// ContentTypeAdaptiveCardOld is the card type as an older page of
	// the Universal Actions documentation prints it; accepted, never sent.
	ContentTypeAdaptiveCardOld = "application/vnd.microsoft.adaptive.card"
	ContentTypeMessage         = "application/vnd.microsoft.activity.message"
	ContentTypeError           = "application/vnd.microsoft.error"
)

// Activity is a Bot Framework activity, inbound or outbound.
type Activity struct {
	Type         string               `json:"type"`
	ID           string               `json:"id,omitempty"`
	Name         string               `json:"name,omitempty"`
	Timestamp    string               `json:"timestamp,omitempty"`
	ServiceURL   string               `json:"serviceUrl,omitempty"`
	ChannelID    string               `json:"channelId,omitempty"`
	From         *ChannelAccount      `json:"from,omitempty"`
	Recipient    *ChannelAccount      `json:"recipient,omitempty"`
	Conversation *ConversationAccount `json:"conversation,omitempty"`
	ReplyToID    string               `json:"replyToId,omitempty"`
	Text         string               `json:"text,omitempty"`
	TextFormat   string               `json:"textFormat,omitempty"`
	Summary      string               `json:"summary,omitempty"`
	Attachments  []Attachment         `json:"attachments,omitempty"`
	Entities     []json.RawMessage    `json:"entities,omitempty"`
	ChannelData  *ChannelData         `json:"channelData,omitempty"`
	Value        json.RawMessage      `json:"value,omitempty"`
	Action       string               `json:"action,omitempty"` // installationUpdate: add, remove, add-upgrade, remove-upgrade

	MembersAdded   []ChannelAccount `json:"membersAdded,omitempty"`
	MembersRemoved []ChannelAccount `json:"membersRemoved,omitempty"`
}

// ChannelAccount is a user or bot. Teams users have IDs "29:…", the bot
// "28:<app id>".
type ChannelAccount struct {
	ID          string `json:"id"`
	Name        string `json:"name,omitempty"`
	AADObjectID string `json:"aadObjectId,omitempty"`
	Role        string `json:"role,omitempty"`
}

// ConversationAccount is a conversation: a personal chat ("a:…"), a
// group chat or a team channel ("19:…@thread.tacv2").
type ConversationAccount struct {
	ID               string `json:"id"`
	Name             string `json:"name,omitempty"`
	IsGroup          bool   `json:"isGroup,omitempty"`
	ConversationType string `json:"conversationType,omitempty"` // personal, groupChat, channel
	TenantID         string `json:"tenantId,omitempty"`
}

// Conversation types.
const (
	ConversationPersonal  = "personal"
	ConversationGroupChat = "groupChat"
	ConversationChannel   = "channel"
)

// ChannelData is Teams' own part of an activity.
type ChannelData struct {
	Tenant    *TenantInfo  `json:"tenant,omitempty"`
	Team      *TeamInfo    `json:"team,omitempty"`
	Channel   *ChannelInfo `json:"channel,omitempty"`
	EventType string       `json:"eventType,omitempty"`
	Settings  *Settings    `json:"settings,omitempty"`
	Source    *Source      `json:"source,omitempty"`
}

// TenantInfo names the Entra tenant.
type TenantInfo struct {
	ID string `json:"id"`
}

// TeamInfo is a team.
type TeamInfo struct {
	ID         string `json:"id"`
	Name       string `json:"name,omitempty"`
	AADGroupID string `json:"aadGroupId,omitempty"`
}

// ChannelInfo is a team's channel.
type ChannelInfo struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
}

// Settings holds the channel chosen when the app was added to a team.
type Settings struct {
	SelectedChannel *ChannelInfo `json:"selectedChannel,omitempty"`
}

// Source says where an installation happened.
type Source struct {
	Name string `json:"name,omitempty"`
}

// Attachment is a card or file attached to an activity.
type Attachment struct {
	ContentType string          `json:"contentType"`
	Content     json.RawMessage `json:"content,omitempty"`
}

// ConversationParameters create a conversation (POST /v3/conversations).
type ConversationParameters struct {
	IsGroup     bool             `json:"isGroup,omitempty"`
	Bot         *ChannelAccount  `json:"bot,omitempty"`
	Members     []ChannelAccount `json:"members,omitempty"`
	TopicName   string           `json:"topicName,omitempty"`
	TenantID    string           `json:"tenantId,omitempty"`
	Activity    *Activity        `json:"activity,omitempty"`
	ChannelData *ChannelData     `json:"channelData,omitempty"`
}

// ConversationResourceResponse answers a created conversation.
type ConversationResourceResponse struct {
	ID         string `json:"id"`
	ActivityID string `json:"activityId,omitempty"`
	ServiceURL string `json:"serviceUrl,omitempty"`
}

// ResourceResponse answers a sent or updated activity.
type ResourceResponse struct {
	ID string `json:"id"`
}

// TeamsChannelAccount is a member as the Connector's member calls return
// one. The wire name of the Entra object ID is objectId here.
type TeamsChannelAccount struct {
	ID                string `json:"id"`
	Name              string `json:"name,omitempty"`
	ObjectID          string `json:"objectId,omitempty"`
	GivenName         string `json:"givenName,omitempty"`
	Surname           string `json:"surname,omitempty"`
	Email             string `json:"email,omitempty"`
	UserPrincipalName string `json:"userPrincipalName,omitempty"`
	TenantID          string `json:"tenantId,omitempty"`
	UserRole          string `json:"userRole,omitempty"`
}

// PagedMembersResult is one page of GET …/pagedmembers.
type PagedMembersResult struct {
	Members           []TeamsChannelAccount `json:"members"`
	ContinuationToken string                `json:"continuationToken,omitempty"`
}

// TeamDetails is GET /v3/teams/{id}.
type TeamDetails struct {
	ID         string `json:"id"`
	Name       string `json:"name,omitempty"`
	AADGroupID string `json:"aadGroupId,omitempty"`
}

// ErrorResponse is the body of a Connector error.
type ErrorResponse struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// AdaptiveCardInvokeValue is the value of an adaptiveCard/action invoke.
type AdaptiveCardInvokeValue struct {
	Action struct {
		Type string          `json:"type"`
		ID   string          `json:"id,omitempty"`
		Verb string          `json:"verb,omitempty"`
		Data json.RawMessage `json:"data,omitempty"`
	} `json:"action"`
	Trigger string `json:"trigger,omitempty"`
}

// AdaptiveCardInvokeResponse answers an adaptiveCard/action invoke, in
// the body of the HTTP 200.
type AdaptiveCardInvokeResponse struct {
	StatusCode int    `json:"statusCode"`
	Type       string `json:"type"`
	Value      any    `json:"value,omitempty"`
}

// TaskModuleRequest is the value of a task/fetch or task/submit invoke.
type TaskModuleRequest struct {
	Data    json.RawMessage `json:"data,omitempty"`
	Context *struct {
		Theme string `json:"theme,omitempty"`
	} `json:"context,omitempty"`
}

// TaskModuleResponse answers task/fetch and task/submit.
type TaskModuleResponse struct {
	Task *TaskModuleTask `json:"task,omitempty"`
}

// TaskModuleTask is a dialog to show ("continue") or a message ("message").
type TaskModuleTask struct {
	Type  string `json:"type"`
	Value any    `json:"value,omitempty"`
}

// TaskModuleTaskInfo is the dialog a "continue" task shows.
type TaskModuleTaskInfo struct {
	Title  string      `json:"title,omitempty"`
	Height any         `json:"height,omitempty"`
	Width  any         `json:"width,omitempty"`
	Card   *Attachment `json:"card,omitempty"`
}

// Mention is an entity of type "mention" in an activity.
type Mention struct {
	Type      string         `json:"type"`
	Mentioned ChannelAccount `json:"mentioned"`
	Text      string         `json:"text"`
}

// TokenResponse is the token endpoint's answer to a client-credentials
// request.
type TokenResponse struct {
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
	ExtExpiresIn int    `json:"ext_expires_in,omitempty"`
	AccessToken  string `json:"access_token"`
}
