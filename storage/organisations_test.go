package storage_test

import (
	"context"
	"slices"
	"testing"

	"github.com/rapport-pcn/rapport/bot"
	"github.com/rapport-pcn/rapport/storage"
)

func TestOrganisations(t *testing.T) {
	tests := []struct {
		name     string
		existing []string
		run      func(ctx context.Context, db *storage.DB) error
		wantCode string
		wantMsg  string
		want     []string // the list afterwards
	}{
		{
			name: "list is empty at first",
			run:  func(context.Context, *storage.DB) error { return nil },
			want: []string{},
		},
		{
			name:     "list is sorted by name ignoring case",
			existing: []string{"riverside Surgery", "Abbey Medical Centre", "Ysbyty Gwynedd", "Ébène Practice", "beacon PCN"},
			run:      func(context.Context, *storage.DB) error { return nil },
			want:     []string{"Abbey Medical Centre", "beacon PCN", "riverside Surgery", "Ysbyty Gwynedd", "Ébène Practice"},
		},
		{
			name:     "add",
			existing: []string{"Abbey Medical Centre"},
			run:      add("  Riverside Surgery "),
			want:     []string{"Abbey Medical Centre", "Riverside Surgery"},
		},
		{
			name:     "add a duplicate ignoring case",
			existing: []string{"Riverside Surgery"},
			run:      add("RIVERSIDE  surgery"),
			wantCode: bot.ECONFLICT,
			wantMsg:  "Riverside Surgery is already on the list.",
			want:     []string{"Riverside Surgery"},
		},
		{
			name:     "add a duplicate ignoring non-ASCII case",
			existing: []string{"Ébène Practice"},
			run:      add("éBÈNE PRACTICE"),
			wantCode: bot.ECONFLICT,
			want:     []string{"Ébène Practice"},
		},
		{
			name:     "add a blank name",
			run:      add("   "),
			wantCode: bot.EINVALID,
			wantMsg:  "Please give the organisation's name.",
			want:     []string{},
		},
		{
			name:     "remove ignoring case",
			existing: []string{"Abbey Medical Centre", "Riverside Surgery"},
			run:      remove("riverside surgery"),
			want:     []string{"Abbey Medical Centre"},
		},
		{
			name:     "remove an unknown name",
			existing: []string{"Abbey Medical Centre"},
			run:      remove("Riverside Surgery"),
			wantCode: bot.ENOTFOUND,
			wantMsg:  "Riverside Surgery is not on the list of organisations.",
			want:     []string{"Abbey Medical Centre"},
		},
		{
			name:     "remove then add again",
			existing: []string{"Riverside Surgery"},
			run: func(ctx context.Context, db *storage.DB) error {
				if err := db.RemoveOrganisation(ctx, "Riverside Surgery"); err != nil {
					return err
				}
				_, err := db.AddOrganisation(ctx, "Riverside surgery", testNow)
				return err
			},
			want: []string{"Riverside surgery"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eachDB(t, func(t *testing.T, db *storage.DB) {
				ctx := context.Background()
				for _, name := range tt.existing {
					if _, err := db.AddOrganisation(ctx, name, testNow); err != nil {
						t.Fatalf("add %q: %v", name, err)
					}
				}
				err := tt.run(ctx, db)
				wantCode(t, err, tt.wantCode)
				if tt.wantMsg != "" && bot.ErrorMessage(err) != tt.wantMsg {
					t.Errorf("message = %q, want %q", bot.ErrorMessage(err), tt.wantMsg)
				}
				orgs, err := db.ListOrganisations(ctx)
				if err != nil {
					t.Fatal(err)
				}
				names := []string{}
				for _, o := range orgs {
					names = append(names, o.Name)
				}
				if !slices.Equal(names, tt.want) {
					t.Errorf("list = %q, want %q", names, tt.want)
				}
			})
		})
	}
}

func TestAddOrganisationReturnsIt(t *testing.T) {
	eachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		org, err := db.AddOrganisation(ctx, "Riverside Surgery", testNow)
		if err != nil {
			t.Fatal(err)
		}
		if org.ID == 0 || org.Name != "Riverside Surgery" || !org.CreatedAt.Equal(utc) {
			t.Errorf("AddOrganisation = %+v", org)
		}
		orgs, err := db.ListOrganisations(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(orgs) != 1 || orgs[0] != *org {
			t.Errorf("ListOrganisations = %+v, want [%+v]", orgs, *org)
		}
	})
}

func add(name string) func(ctx context.Context, db *storage.DB) error {
	return func(ctx context.Context, db *storage.DB) error {
		_, err := db.AddOrganisation(ctx, name, testNow)
		return err
	}
}

func remove(name string) func(ctx context.Context, db *storage.DB) error {
	return func(ctx context.Context, db *storage.DB) error {
		return db.RemoveOrganisation(ctx, name)
	}
}
