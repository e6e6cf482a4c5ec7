package reliability

import (
	"io"

	"github.com/sirupsen/logrus"
)

func newTestLogger(w io.Writer) logrus.FieldLogger {
	l := logrus.New()
	l.SetOutput(w)
	l.SetFormatter(&logrus.TextFormatter{DisableTimestamp: true, DisableColors: true})
	return l
}
