package bot

import "context"

// ProfileFormID is the ID of the profile form.
const ProfileFormID = "profile"

// Action IDs of the leave confirmation's buttons.
const (
	ActionLeaveConfirm = "leave_confirm"
	ActionLeaveCancel  = "leave_cancel"
)

// memberCommand answers CommandName and its subcommands.
func (c *Chat) memberCommand(ctx context.Context, u User, text string) *Reply {
	admin := c.isAdmin(u)
	cmd, err := ParseCommand(text)
	if err != nil {
		return refused(AnswerWith(helpMessage(ErrorText(err), admin)))
	}
	c.log().Info("command", "command", CommandName, "subcommand", cmd.Name, "platform", u.Platform, "user", u.ID)
	s := c.Service
	switch cmd.Name {
	case "":
		return &Reply{Form: &FormOpen{
			Title: "Your Rapport profile",
			Wait:  "Loading your profile…",
			Load: func(ctx context.Context) *Form {
				d, err := s.Draft(ctx, u)
				if err != nil {
					c.log().Error("could not load a profile", "user", u.ID, "err", err)
					c.meter().DBError("profile load")
					return &Form{ID: ProfileFormID, Title: "Your Rapport profile", Cancel: "Cancel",
						Intro: P("Sorry, we couldn't load your profile just now. Please close this and run ", Cmd(), " again in a minute.")}
				}
				return ProfileFormFor(d)
			},
			Failed: Say("Sorry, the profile form didn't open in time. Please run ", Cmd(), " again."),
		}}
	case "help":
		return AnswerWith(helpMessage(nil, admin))
	case "status":
		// The same summary as the home: one place says where a member
		// stands, on every platform.
		m, result := c.home(ctx, u, nil)
		if result == ResultRefused {
			m = strangerHomeMessage(notJoinedLead())
		}
		r := AnswerWith(m)
		r.result = result
		return r
	case "pause":
		st, err := s.Pause(ctx, u, cmd.Args)
		if err != nil {
			return c.failed("pause", err)
		}
		return AnswerWith(pausedMessage(st, c.loc()))
	case "resume":
		// Read first, so a member who was not paused is told so rather
		// than welcomed back.
		wasPaused := false
		if before, err := s.Status(ctx, u); err == nil {
			wasPaused = before.Member.PausedAt(c.now())
		}
		st, err := s.Resume(ctx, u)
		if err != nil {
			return c.failed("resume", err)
		}
		return AnswerWith(resumedMessage(st, wasPaused, c.loc()))
	case "export":
		x, err := s.Export(ctx, u)
		if err != nil {
			return c.failed("export", err)
		}
		dms, err := exportMessages(x)
		if err != nil {
			return c.failed("export", err)
		}
		return &Reply{Answer: Say("I'm sending you everything Rapport stores about you, in a direct message from me."), DMs: dms,
			DMFailed: Say("Sorry, I couldn't send your data just now. Please try ", Cmd("export"), " again in a few minutes.")}
	case "leave":
		if err := s.CheckLeave(ctx, u); err != nil {
			return c.failed("leave", err)
		}
		return AnswerWith(leaveConfirmMessage())
	case "block", "unblock", "blocks":
		return c.blockCommand(ctx, u, cmd)
	case "find":
		return c.findCommand(ctx, u, cmd.Args)
	case "admin":
		if len(cmd.Args) > 0 && cmd.Args[0] == "invite" {
			return c.inviteCommand(ctx, u)
		}
		if isRoundsAdmin(cmd.Args) {
			if r := c.roundsAdmin(ctx, u, cmd.Args); r != nil {
				return r
			}
			return nil
		}
		r, err := s.Admin(ctx, u, cmd.Args)
		if err != nil {
			return c.failed("admin", err)
		}
		if r.Audit != "" && c.Admin != nil {
			c.Admin.Record(ctx, u, r.Audit, 0, r.AuditDetail)
		}
		return AnswerWith(adminMessage(r))
	}
	return AnswerWith(helpMessage(nil, admin))
}

// memberAction answers the buttons of the member commands.
func (c *Chat) memberAction(ctx context.Context, u User, action, value string) *Reply {
	switch action {
	case ActionProfileOpen:
		return c.memberCommand(ctx, u, "")
	case ActionLeaveConfirm:
		return Then(func(ctx context.Context) *Reply {
			if err := c.Service.Leave(ctx, u); err != nil {
				return c.failedReplacing("leave", err)
			}
			c.log().Info("member left and was erased", "platform", u.Platform, "user", u.ID)
			return Replacing("Done. We've erased your profile and everything we held about you; the people you were introduced to now see a member who has left. You're welcome back any time with ", Cmd(), ".")
		})
	case ActionBlockMember, ActionUnblockMember:
		return c.blockAction(ctx, u, action, value)
	case ActionLeaveCancel:
		return Then(func(ctx context.Context) *Reply {
			return Replacing("Good to have you staying. Nothing has changed.")
		})
	}
	return nil
}

// NotInWorkspaceMessage refuses a profile from someone the platform does
// not know (a deactivated account, a bot).
const NotInWorkspaceMessage = "We couldn't find your account in this workspace, so we can't save a profile for it. If you've just joined, please try again in a few minutes."

// profileSubmit validates and stores a submitted profile. Problems come
// back beside their inputs and nothing is stored; on success the form
// closes and the member gets a direct message summing up their profile.
func (c *Chat) profileSubmit(ctx context.Context, u User, v FormValues) *Reply {
	form := ProfileFormFromValues(v)
	m, joined, err := c.Service.SaveProfile(ctx, u, form)
	if err != nil {
		if fields := FieldErrors(err); len(fields) > 0 {
			return refused(&Reply{Errors: profileInputErrors(fields, form)})
		}
		c.log().Error("could not save a profile", "user", u.ID, "err", err)
		c.meter().DBError("profile save")
		return ourFailure(&Reply{Errors: map[string]string{FieldOrganisation: SaveAgainMessage}})
	}
	c.log().Info("profile saved", "platform", u.Platform, "user", u.ID, "joined", joined)
	return Then(func(ctx context.Context) *Reply {
		st, err := c.Service.Status(ctx, u)
		if err != nil {
			st = &Status{Member: m}
		}
		return &Reply{DMs: []*Message{welcomeMessage(st, joined, c.loc())}}
	})
}

// NotInWorkspace is the answer to a profile submitted by someone the
// platform does not know.
func NotInWorkspace() *Reply {
	return &Reply{Errors: map[string]string{FieldOrganisation: NotInWorkspaceMessage}}
}
