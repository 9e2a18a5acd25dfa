package pyindex

import (
	"bytes"
	"fmt"
	"net/url"

	"golang.org/x/net/html"
)

// parseHTML reads a PEP 503 project page: every anchor is a file. A <base href> changes what
// links are relative to, as pip honours it.
func parseHTML(base *url.URL, body []byte) ([]File, error) {
	doc, err := html.Parse(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("PEP 503 HTML: %w", err)
	}
	var files []File
	var walkErr error
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "base":
				if href, ok := attr(n, "href"); ok {
					if b, err := base.Parse(href); err == nil {
						base = b
					}
				}
			case "a":
				if href, ok := attr(n, "href"); ok {
					f, err := fileOf(base, href)
					if err != nil && walkErr == nil {
						walkErr = err
					}
					files = append(files, f)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if walkErr != nil {
		return nil, fmt.Errorf("PEP 503 HTML: %w", walkErr)
	}
	return files, nil
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}
