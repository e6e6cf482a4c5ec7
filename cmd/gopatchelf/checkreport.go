package main

import (
	"io"

	"github.com/sirupsen/logrus"

	"github.com/gopatchelf/gopatchelf/internal/console"
	"github.com/gopatchelf/gopatchelf/linkcheck"
)

// writeReport prints a check report in format (text, json or github), as
// check and wheel --check do. In text, the files the check could not read
// are diagnostics: logged first, one line each.
func writeReport(w io.Writer, log logrus.FieldLogger, rep *linkcheck.Report, format string) error {
	switch format {
	case "json":
		return rep.WriteJSON(w)
	case "github":
		return rep.WriteGitHub(w, hintAdvice())
	}
	for _, f := range rep.Findings {
		if f.Kind != linkcheck.Unreadable {
			continue
		}
		l := log.WithField(console.FieldFile, f.File)
		if f.Severity == linkcheck.Warning {
			l.Warn(f.Detail)
		} else {
			l.Error(f.Detail)
		}
	}
	return rep.WriteText(w, hintAdvice())
}
