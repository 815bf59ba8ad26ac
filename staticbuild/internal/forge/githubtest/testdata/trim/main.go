// Command trim writes the part of GitHub's OpenAPI description that the
// test server uses: the operations listed below and every component they
// refer to, directly or through other components.
//
//	go run ./testdata/trim api.github.com.json > testdata/github-api.json
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
)

// operations are the publisher's requests, by path and method.
var operations = map[string][]string{
	"/repos/{owner}/{repo}":                              {"get"},
	"/repos/{owner}/{repo}/git/ref/{ref}":                {"get"},
	"/repos/{owner}/{repo}/git/tags/{tag_sha}":           {"get"},
	"/repos/{owner}/{repo}/releases":                     {"get", "post"},
	"/repos/{owner}/{repo}/releases/{release_id}":        {"get", "patch", "delete"},
	"/repos/{owner}/{repo}/releases/{release_id}/assets": {"get", "post"},
	"/repos/{owner}/{repo}/releases/assets/{asset_id}":   {"get", "delete"},
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: trim api.github.com.json > github-api.json")
		os.Exit(2)
	}
	data, err := os.ReadFile(os.Args[1])
	check(err)
	var doc map[string]any
	check(json.Unmarshal(data, &doc))
	paths := doc["paths"].(map[string]any)
	kept := map[string]any{}
	for p, methods := range operations {
		item := paths[p].(map[string]any)
		out := map[string]any{}
		for k, v := range item {
			if k == "parameters" || slices.Contains(methods, k) {
				out[k] = v
			}
		}
		kept[p] = out
	}
	comps := doc["components"].(map[string]any)
	used := map[string]map[string]any{}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok {
				f := strings.Split(strings.TrimPrefix(ref, "#/components/"), "/")
				if used[f[0]] == nil {
					used[f[0]] = map[string]any{}
				}
				if _, seen := used[f[0]][f[1]]; !seen {
					c := comps[f[0]].(map[string]any)[f[1]]
					used[f[0]][f[1]] = c
					walk(c)
				}
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(kept)
	out := map[string]any{
		"openapi":    doc["openapi"],
		"info":       doc["info"],
		"servers":    doc["servers"],
		"paths":      kept,
		"components": used,
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", " ")
	check(enc.Encode(out))
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "trim:", err)
		os.Exit(1)
	}
}
