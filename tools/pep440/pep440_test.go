package pep440

import "testing"

func TestParseNormalises(t *testing.T) {
	tests := []struct{ in, want string }{
		{"1.0", "1.0"},
		{"v1.0", "1.0"},
		{"1!2.0", "1!2.0"},
		{"0!1.0", "1.0"},
		{"1.0a", "1.0a0"},
		{"1.0-alpha.1", "1.0a1"},
		{"1.0Beta2", "1.0b2"},
		{"1.0c3", "1.0rc3"},
		{"1.0preview4", "1.0rc4"},
		{"1.0-1", "1.0.post1"},
		{"1.0.post", "1.0.post0"},
		{"1.0-r5", "1.0.post5"},
		{"1.0.rev6", "1.0.post6"},
		{"1.0dev", "1.0.dev0"},
		{"1.0rc1.post2.dev3", "1.0rc1.post2.dev3"},
		{"1.0+Ubuntu-1_2", "1.0+ubuntu.1.2"},
		{" 2.31.0 ", "2.31.0"},
		{"2024.8.30", "2024.8.30"},
	}
	for _, tt := range tests {
		v, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if got := v.String(); got != tt.want {
			t.Errorf("Parse(%q).String() = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseRejects(t *testing.T) {
	for _, in := range []string{"", "a", "1.0.", "1..0", "1.0+", "1.0+a..b", "1.0 2", "1.0\"", "${x}", "99999999999999999999999"} {
		if v, err := Parse(in); err == nil {
			t.Errorf("Parse(%q) = %v, want an error", in, v)
		}
	}
}

// TestCompareOrder checks the total order of PEP 440's own example list.
func TestCompareOrder(t *testing.T) {
	ordered := []string{
		"1.0.dev456", "1.0a1", "1.0a2.dev456", "1.0a12.dev456", "1.0a12",
		"1.0b1.dev456", "1.0b2", "1.0b2.post345.dev456", "1.0b2.post345",
		"1.0rc1.dev456", "1.0rc1", "1.0", "1.0+abc.5", "1.0+abc.7", "1.0+5",
		"1.0.post456.dev34", "1.0.post456", "1.0.15", "1.1.dev1", "1!0.1",
	}
	for i := range ordered {
		for j := range ordered {
			a, b := MustParse(ordered[i]), MustParse(ordered[j])
			want := cmpInt(i, j)
			if got := a.Compare(b); got != want {
				t.Errorf("Compare(%s, %s) = %d, want %d", ordered[i], ordered[j], got, want)
			}
		}
	}
	if MustParse("1.0").Compare(MustParse("1.0.0")) != 0 {
		t.Error("1.0 and 1.0.0 must be equal")
	}
}

func TestSpecifierContains(t *testing.T) {
	tests := []struct {
		spec, version string
		want          bool
	}{
		{">=1.0", "1.0", true},
		{">=1.0", "0.9", false},
		{">=1.0", "2.0rc1", false}, // pre-releases excluded unless named
		{">=1.0rc1", "2.0rc1", true},
		{">=1.0", "1!0.1", true}, // epochs dominate
		{">=2.0", "1!1.0", true},
		{"<2", "2.0rc1", false}, // "<V" excludes V's pre-releases
		{"<2", "2.0.dev1", false},
		{"<2rc2", "2.0rc1", true},
		{"<=2", "2.0+local", true},
		{">1.0", "1.0.post1", false}, // ">V" excludes V's post-releases
		{">1.0.post1", "1.0.post2", true},
		{">1.0", "1.0+local", false},
		{">1.0", "1.0.1", true},
		{"==1.0", "1.0+local", true},
		{"==1.0+local", "1.0", false},
		{"==1.0+local", "1.0+local", true},
		{"==1.0", "1.0.0", true},
		{"==1.2.*", "1.2.5", true},
		{"==1.2.*", "1.2", true},
		{"==1.2.*", "1.3", false},
		{"==1.2.*", "1.2.0.post1", true},
		{"!=1.2.*", "1.2.0", false},
		{"!=1.2.*", "1.3.0", true},
		{"==1!1.*", "1.1", false},
		{"~=1.2", "1.3", true},
		{"~=1.2", "2.0", false},
		{"~=1.4.5", "1.4.9", true},
		{"~=1.4.5", "1.5.0", false},
		{"~=1.4.5", "1.4.4", false},
		{"~=2.2.post3", "2.2.post4", true},
		{"~=2.2.post3", "2.3", true},
		{"~=2.2.post3", "3.0", false},
		{"===1.0", "1.0", true},
		{"===1.0", "1.0.0", false},
		{">=3.1,<4,!=3.1.1", "3.1.1", false},
		{">=3.1,<4,!=3.1.1", "3.1.2", true},
		{" >= 3.1 , < 4 ", "3.5", true},
		{"", "1.0", true},
		{"", "1.0a1", false},
		{"==1.0a1", "1.0a1", true},
		{"!=1.0", "1.1a1", false},
	}
	for _, tt := range tests {
		s, err := ParseSpecifier(tt.spec)
		if err != nil {
			t.Errorf("ParseSpecifier(%q): %v", tt.spec, err)
			continue
		}
		if got := s.Contains(MustParse(tt.version)); got != tt.want {
			t.Errorf("%q contains %q = %v, want %v", tt.spec, tt.version, got, tt.want)
		}
	}
}

func TestMatchAllowPre(t *testing.T) {
	s, err := ParseSpecifier(">=1.0")
	if err != nil {
		t.Fatal(err)
	}
	if !s.Match(MustParse("2.0rc1"), true) {
		t.Error(">=1.0 must match 2.0rc1 when pre-releases are allowed")
	}
}

func TestParseSpecifierRejects(t *testing.T) {
	for _, in := range []string{"1.0", ">=", ">=1.*", "~=1", "==1.0a1.*", ">=1.0+local", "=>1.0", ">=1.0;", "==1.0,,<2", "===a b"} {
		if s, err := ParseSpecifier(in); err == nil {
			t.Errorf("ParseSpecifier(%q) = %v, want an error", in, s)
		}
	}
}

func TestSpecifierString(t *testing.T) {
	s, err := ParseSpecifier(">= 1.0 ,<2.0a,==1.*,===foo")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := s.String(), ">=1.0,<2.0a0,==1.*,===foo"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}
