package pep508

import (
	"slices"
	"testing"
)

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Flask", "flask"},
		{"typing_extensions", "typing-extensions"},
		{"zope.interface", "zope-interface"},
		{"Foo__-.Bar", "foo-bar"},
		{"_a.", "-a-"},
		{"A", "a"},
	}
	for _, tt := range tests {
		if got := Normalize(tt.in); got != tt.want {
			t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	for _, bad := range []string{"", "-a", "a-", "a b", "a\"", "${x}", "é"} {
		if _, err := NormalizeValid(bad); err == nil {
			t.Errorf("NormalizeValid(%q): want an error", bad)
		}
	}
}

func TestParseRequirement(t *testing.T) {
	tests := []struct {
		in                      string
		name, extras, spec, url string
		marker                  string
	}{
		{"flask", "flask", "", "", "", ""},
		{"Flask>=3.0", "flask", "", ">=3.0", "", ""},
		{"celery[redis, msgpack] >=5.3, <6", "celery", "msgpack,redis", ">=5.3,<6", "", ""},
		{"requests (>=2.31.0,<3.0.0)", "requests", "", ">=2.31.0,<3.0.0", "", ""},
		{"colorama; platform_system == 'Windows'", "colorama", "", "", "", `platform_system == "Windows"`},
		{"pip @ https://example.org/pip-24.0-py3-none-any.whl#sha256=ab;c ; python_version >= '3.8'", "pip", "", "", "https://example.org/pip-24.0-py3-none-any.whl#sha256=ab;c", `python_version >= "3.8"`},
		{"tomli>=1.1.0; python_version < \"3.11\"", "tomli", "", ">=1.1.0", "", `python_version < "3.11"`},
	}
	for _, tt := range tests {
		r, err := ParseRequirement(tt.in)
		if err != nil {
			t.Errorf("ParseRequirement(%q): %v", tt.in, err)
			continue
		}
		marker := ""
		if r.Marker != nil {
			marker = r.Marker.String()
		}
		got := []string{r.Name, joinComma(r.Extras), r.Specifier.String(), r.URL, marker}
		want := []string{tt.name, tt.extras, tt.spec, tt.url, tt.marker}
		if !slices.Equal(got, want) {
			t.Errorf("ParseRequirement(%q) = %q, want %q", tt.in, got, want)
		}
	}
}

func joinComma(s []string) string {
	out := ""
	for i, e := range s {
		if i > 0 {
			out += ","
		}
		out += e
	}
	return out
}

func TestParseRequirementRejects(t *testing.T) {
	for _, in := range []string{"", ">=1.0", "flask[", "flask>=", "flask; unknown_var == 'x'", "flask; python_version", "flask @ ", "flask (>=1", "fla\"sk", "flask; os_name == 'posix' and", "flask; (os_name == 'posix'"} {
		if r, err := ParseRequirement(in); err == nil {
			t.Errorf("ParseRequirement(%q) = %+v, want an error", in, r)
		}
	}
}

func TestEvalMarker(t *testing.T) {
	env, err := NewEnv("3.11", "x86_64-linux")
	if err != nil {
		t.Fatal(err)
	}
	env = env.WithExtras("redis")
	env.Groups = []string{"dev"}
	tests := []struct {
		marker string
		want   bool
	}{
		{"", true},
		{`python_version < "3.12"`, true},
		{`python_version >= "3.12"`, false},
		{`python_version > "3.9"`, true}, // versions, not strings: "3.11" > "3.9"
		{`python_full_version >= "3.11.0"`, true},
		{`python_version == "3.11.*"`, true},
		{`"3.12" > python_version`, true}, // the left side is the candidate
		{`sys_platform == "win32"`, false},
		{`sys_platform != 'win32' and platform_machine == 'x86_64'`, true},
		{`platform_system == "Darwin" or os_name == "posix"`, true},
		{`implementation_name == "cpython" and (sys_platform == "darwin" or platform_machine == "aarch64")`, false},
		{`extra == "redis"`, true},
		{`extra == "Redis"`, true},
		{`extra == "msgpack"`, false},
		{`extra != "msgpack"`, true},
		{`'redis' in extras`, true},
		{`'dev' in dependency_groups`, true},
		{`'docs' not in dependency_groups`, true},
		{`"linux" in sys_platform`, true},
		{`os.name == "posix"`, true},
		{`platform_release == ""`, true},
	}
	for _, tt := range tests {
		m, err := ParseMarker(tt.marker)
		if err != nil {
			t.Errorf("ParseMarker(%q): %v", tt.marker, err)
			continue
		}
		got, err := EvalMarker(m, env)
		if err != nil {
			t.Errorf("Eval(%q): %v", tt.marker, err)
			continue
		}
		if got != tt.want {
			t.Errorf("Eval(%q) = %v, want %v", tt.marker, got, tt.want)
		}
	}
}

func TestEvalMarkerErrors(t *testing.T) {
	env, err := NewEnv("3.12.1", "aarch64-darwin")
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range []string{`sys_platform < "linux"`, `extra < "x"`, `extra == python_version`, `'x' == extras`} {
		m, err := ParseMarker(in)
		if err != nil {
			continue
		}
		if _, err := m.Eval(env); err == nil {
			t.Errorf("Eval(%q): want an error", in)
		}
	}
}

func TestNewEnv(t *testing.T) {
	env, err := NewEnv("3.12.1", "aarch64-darwin")
	if err != nil {
		t.Fatal(err)
	}
	if env.Vars["python_version"] != "3.12" || env.Vars["python_full_version"] != "3.12.1" || env.Vars["platform_machine"] != "arm64" || env.Vars["sys_platform"] != "darwin" {
		t.Errorf("NewEnv = %v", env.Vars)
	}
	for _, bad := range [][2]string{{"3", "x86_64-linux"}, {"3.11rc1", "x86_64-linux"}, {"3.11", "x86_64-windows"}} {
		if _, err := NewEnv(bad[0], bad[1]); err == nil {
			t.Errorf("NewEnv(%q, %q): want an error", bad[0], bad[1])
		}
	}
}
