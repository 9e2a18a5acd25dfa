package ociimage

import "strings"

// Expand replaces each {KEY} of vars in every text option (entrypoint, cmd, env, labels, annotations,
// symlinks, workdir, user): {app} by the built store path, and in stamped builds the workspace status
// keys. A {KEY} without a value stays as it is, so an unstamped build keeps the text and its digest.
func (o *Options) Expand(vars map[string]string) {
	if len(vars) == 0 {
		return
	}
	pairs := make([]string, 0, 2*len(vars))
	for k, v := range vars {
		pairs = append(pairs, "{"+k+"}", v)
	}
	r := strings.NewReplacer(pairs...)
	list := func(l []string) []string {
		if l == nil {
			return nil
		}
		out := make([]string, len(l))
		for i, s := range l {
			out[i] = r.Replace(s)
		}
		return out
	}
	dict := func(m map[string]string) map[string]string {
		if m == nil {
			return nil
		}
		out := make(map[string]string, len(m))
		for k, v := range m {
			out[r.Replace(k)] = r.Replace(v)
		}
		return out
	}
	o.Entrypoint = list(o.Entrypoint)
	o.Cmd = list(o.Cmd)
	o.Env = list(o.Env)
	o.Ports = list(o.Ports)
	o.Labels = dict(o.Labels)
	o.Annotations = dict(o.Annotations)
	o.WorkDir = r.Replace(o.WorkDir)
	o.User = r.Replace(o.User)
	links := make([]Symlink, len(o.Symlinks))
	for i, l := range o.Symlinks {
		links[i] = Symlink{Path: r.Replace(l.Path), Target: r.Replace(l.Target)}
	}
	o.Symlinks = links
}
