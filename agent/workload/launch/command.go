/*
Copyright 2026 The Flotilla Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package launch

import (
	"regexp"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// pythonPath matches a python interpreter, bare or with a path: python, python3, python3.11,
// /usr/bin/python3.8, ./python3 (upstream's isPythonCommand).
var pythonPath = regexp.MustCompile(`^(.*/)?python\d*(\.\d+)*$`)

// isPythonCommand reports whether cmd, the first element of a container's command, runs a
// python interpreter.
func isPythonCommand(cmd string) bool {
	return pythonPath.MatchString(cmd)
}

// enginePatterns match, inside a shell script, a python command that runs the framework: group 1
// runs from "python" to the end of the word that holds the framework's last mention before the
// next |, & or ;, group 2 is what ends that word (white space, one of |&;, or the end).
var enginePatterns = map[string]*regexp.Regexp{
	BackendVLLM:   enginePattern(BackendVLLM),
	BackendSGLang: enginePattern(BackendSGLang),
}

func enginePattern(framework string) *regexp.Regexp {
	return regexp.MustCompile(`(python[0-9.]*\s+[^|&;]*` + regexp.QuoteMeta(framework) + `[^|&;]*?)(\s|$|[|&;])`)
}

// bashCSpecial are the characters for which shellQuoteForBashC quotes a word.
const bashCSpecial = " \t\n'\"\\{}[]$`!"

// shellQuoteForBashC returns s as one shell word for a script run by "sh -c": s itself when it
// holds none of bashCSpecial (so the empty string stays empty), else s in double quotes with \,
// ", $ and ` escaped and each ' written as '"'"' (so that the word also survives being put
// inside a single-quoted bash -c '...'). Upstream's shellQuoteForBashC.
func shellQuoteForBashC(s string) string {
	if !strings.ContainsAny(s, bashCSpecial) {
		return s
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := range len(s) {
		switch ch := s[i]; ch {
		case '\\', '"', '$', '`':
			b.WriteByte('\\')
			b.WriteByte(ch)
		case '\'':
			b.WriteString(`'"'"'`)
		default:
			b.WriteByte(ch)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// shellWords quotes every word with shellQuoteForBashC and joins them with spaces.
func shellWords(words []string) string {
	quoted := make([]string, len(words))
	for i, w := range words {
		quoted[i] = shellQuoteForBashC(w)
	}
	return strings.Join(quoted, " ")
}

// injectFlags adds flags (space-separated) to the engine command of c, the way upstream's
// injectFlagsIntoContainerCommand does, and reports whether the command or args changed:
//
//   - a python command (Command[0] is a python interpreter) gets the flags appended to its args,
//     or, when needsShell, is rewritten to sh -c "exec <command> <args> <flags>" with every word
//     quoted, so that the shell expands the flags;
//   - anything else is taken to run the engine through a shell: in the first arg that runs
//     "python ... <framework>", the flags are inserted after the word that holds the framework's
//     last mention before the next |, & or ; (every such command of that arg gets them); an
//     args-only python command (no Command, one word per arg) therefore gets nothing.
func injectFlags(c *corev1.Container, flags string, needsShell bool, framework string) bool {
	if len(c.Command) > 0 && isPythonCommand(c.Command[0]) {
		if !needsShell {
			c.Args = slices.Concat(c.Args, strings.Fields(flags))
			return true
		}
		script := "exec " + shellWords(c.Command)
		if len(c.Args) > 0 {
			script += " " + shellWords(c.Args)
		}
		c.Command = []string{"sh", "-c"}
		c.Args = []string{script + " " + flags}
		return true
	}
	re := enginePatterns[framework]
	if re == nil {
		return false
	}
	for i, arg := range c.Args {
		if injected, ok := insertAfterEngine(arg, flags, re); ok {
			c.Args = slices.Clone(c.Args)
			c.Args[i] = injected
			return true
		}
	}
	return false
}

// insertAfterEngine inserts " "+flags after group 1 of every match of re in script.
func insertAfterEngine(script, flags string, re *regexp.Regexp) (string, bool) {
	matches := re.FindAllStringSubmatchIndex(script, -1)
	if len(matches) == 0 {
		return script, false
	}
	var b strings.Builder
	last := 0
	for _, m := range matches {
		end := m[3] // end of group 1
		b.WriteString(script[last:end])
		b.WriteString(" ")
		b.WriteString(flags)
		last = end
	}
	b.WriteString(script[last:])
	return b.String(), true
}
