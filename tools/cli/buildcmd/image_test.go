package buildcmd

import "testing"

func TestCreationTime(t *testing.T) {
	tests := []struct {
		flag, env, want string
		wantErr         bool
	}{
		{"", "", "1970-01-01T00:00:00Z", false},
		{"", "1700000000", "2023-11-14T22:13:20Z", false},
		{"2024-05-01T12:00:00+02:00", "1700000000", "2024-05-01T10:00:00Z", false},
		{"86400", "", "1970-01-02T00:00:00Z", false},
		{"", "soon", "", true},
	}
	for _, tt := range tests {
		got, err := creationTime(tt.flag, tt.env)
		if (err != nil) != tt.wantErr || (err == nil && got.Format("2006-01-02T15:04:05Z07:00") != tt.want) {
			t.Errorf("creationTime(%q, %q) = %v, %v; want %s", tt.flag, tt.env, got, err, tt.want)
		}
	}
}
