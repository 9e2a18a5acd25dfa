package translate

// nixpkgsRenames maps PEP 503 names to the python.pkgs attribute of the project nixpkgs has in
// their place, looked up when nixpkgs has no usable attribute of the name itself (nixpkgs names
// Python packages by their normalised PyPI name, and ships meta-packages for some of these,
// such as psycopg2-binary and opencv-python).
var nixpkgsRenames = map[string]string{
	"bs4":                    "beautifulsoup4",
	"discord-py":             "discordpy",
	"docker-py":              "docker",
	"faiss-cpu":              "faiss",
	"msgpack-python":         "msgpack",
	"mysql-connector-python": "mysql-connector",
	"opencv-contrib-python":  "opencv4",
	"opencv-python":          "opencv4",
	"opencv-python-headless": "opencv4",
	"pillow-simd":            "pillow",
	"psycopg2-binary":        "psycopg2",
	"pygobject":              "pygobject3",
	"pytorch":                "torch",
	"sklearn":                "scikit-learn",
	"tensorflow-cpu":         "tensorflow",
	"tensorflow-gpu":         "tensorflow",
}

// NixpkgsAttr returns the python.pkgs attribute for a PEP 503 name.
func NixpkgsAttr(name string) string {
	if a, ok := nixpkgsRenames[name]; ok {
		return a
	}
	return name
}

// sdistBackends names the build backend of well-known packages whose sdist lock mode may
// have to build; a lock file does not record it. Any other sdist is built with setuptools
// and wheel, the PEP 517 fallback, and a package that needs more is best pinned to a wheel.
var sdistBackends = map[string][]string{
	"blinker":           {"flit-core"},
	"click":             {"flit-core"},
	"flask":             {"flit-core"},
	"idna":              {"flit-core"},
	"itsdangerous":      {"flit-core"},
	"jinja2":            {"flit-core"},
	"packaging":         {"flit-core"},
	"pyproject-hooks":   {"flit-core"},
	"tomli":             {"flit-core"},
	"typing-extensions": {"flit-core"},
	"werkzeug":          {"flit-core"},
	"wheel":             {"flit-core"},
	"attrs":             {"hatchling", "hatch-fancy-pypi-readme", "hatch-vcs"},
	"hatchling":         {"hatchling"},
	"iniconfig":         {"hatchling", "hatch-vcs"},
	"pluggy":            {"setuptools", "setuptools-scm"},
	"pydantic":          {"hatchling", "hatch-fancy-pypi-readme"},
	"urllib3":           {"hatchling", "hatch-vcs"},
	"uvicorn":           {"hatchling"},
	"starlette":         {"hatchling"},
	"fastapi":           {"pdm-backend"},
	"httpx":             {"hatchling", "hatch-fancy-pypi-readme"},
	"httpcore":          {"hatchling", "hatch-fancy-pypi-readme"},
	"h11":               {"setuptools"},
	"anyio":             {"setuptools", "setuptools-scm"},
	"sniffio":           {"setuptools"},
	"poetry-core":       {"poetry-core"},
	"pdm-backend":       {"pdm-backend"},
	"markupsafe":        {"setuptools"},
	"six":               {"setuptools"},
	"python-dateutil":   {"setuptools", "setuptools-scm"},
	"redis":             {"hatchling"},
	"kombu":             {"setuptools"},
	"celery":            {"setuptools"},
	"pytest":            {"setuptools", "setuptools-scm"},
}

// defaultSdistBackend is PEP 517's fallback backend with what it needs.
var defaultSdistBackend = []string{"setuptools", "wheel"}
