package cosign

import (
	"slices"
	"testing"
)

func TestCommon(t *testing.T) {
	tests := []struct {
		name string
		s    Signer
		want []string
	}{
		{"keyless", Signer{}, []string{"--yes"}},
		{"key, private", Signer{Key: "/ws/cosign.key", NoTlog: true}, []string{"--yes", "--key", "/ws/cosign.key", "--tlog-upload=false"}},
		{"KMS, insecure registry", Signer{Key: "gcpkms://projects/p/keys/k", Insecure: true}, []string{"--yes", "--key", "gcpkms://projects/p/keys/k", "--allow-insecure-registry", "--allow-http-registry"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.s.common(); !slices.Equal(got, tt.want) {
				t.Errorf("common() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestResolveKey(t *testing.T) {
	tests := []struct{ key, workspace, want string }{
		{"", "/ws", ""},
		{"keys/cosign.key", "/ws", "/ws/keys/cosign.key"},
		{"/etc/cosign.key", "/ws", "/etc/cosign.key"},
		{"env://COSIGN_KEY", "/ws", "env://COSIGN_KEY"},
		{"awskms:///arn:aws:kms:eu-west-1:1:key/k", "/ws", "awskms:///arn:aws:kms:eu-west-1:1:key/k"},
		{"cosign.key", "", "cosign.key"},
	}
	for _, tt := range tests {
		if got := ResolveKey(tt.key, tt.workspace); got != tt.want {
			t.Errorf("ResolveKey(%q, %q) = %q, want %q", tt.key, tt.workspace, got, tt.want)
		}
	}
}
