package ociimage

import (
	"fmt"
	"sort"

	"github.com/nixpy/rules_nixpy/tools/stamp"
)

// Expand replaces each {KEY} of x.Vars in every text option (entrypoint, cmd, env, ports, labels,
// annotations, symlinks, workdir, user): {app} by the built store path, and in stamped builds the workspace
// status keys. A {KEY} without a value follows package stamp's rule: in a stamped build an error naming the
// option (by its nix_image attribute) and the value, in an unstamped one kept as written, so the build keeps
// its text and its digest.
func (o *Options) Expand(x stamp.Expander) error {
	var err error
	at := func(what, v string) string {
		if err != nil {
			return v
		}
		out, e := x.Expand(v)
		if e != nil {
			err = fmt.Errorf("%s %q: %w", what, v, e)
			return v
		}
		return out
	}
	list := func(what string, l []string) []string {
		if l == nil {
			return nil
		}
		out := make([]string, len(l))
		for i, s := range l {
			out[i] = at(what, s)
		}
		return out
	}
	dict := func(what string, m map[string]string) map[string]string {
		if m == nil {
			return nil
		}
		// In key order, so the error names the same entry on every run.
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		out := make(map[string]string, len(m))
		for _, k := range keys {
			out[at(what+" key", k)] = at(fmt.Sprintf("%s[%q] =", what, k), m[k])
		}
		return out
	}
	o.Entrypoint = list("entrypoint", o.Entrypoint)
	o.Cmd = list("cmd", o.Cmd)
	o.Env = list("env", o.Env)
	o.Ports = list("ports", o.Ports)
	o.Labels = dict("labels", o.Labels)
	o.Annotations = dict("annotations", o.Annotations)
	o.WorkDir = at("workdir", o.WorkDir)
	o.User = at("user", o.User)
	if o.Symlinks != nil {
		links := make([]Symlink, len(o.Symlinks))
		for i, l := range o.Symlinks {
			links[i] = Symlink{Path: at("symlinks key", l.Path), Target: at(fmt.Sprintf("symlinks[%q] =", l.Path), l.Target)}
		}
		o.Symlinks = links
	}
	return err
}
