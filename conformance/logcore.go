package conformance

import (
	"io"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// infoLogger logs from the info level up, to nowhere: the log cases need
// a known level, not the output.
func infoLogger() *zap.Logger {
	enc := zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig())
	return zap.New(zapcore.NewCore(enc, zapcore.AddSync(io.Discard), zap.InfoLevel))
}
