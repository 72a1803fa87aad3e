package hostabi

// Native primitives: work a filter's hot loops need, done by the host at
// native speed over data the host already holds (docs/ABI.md, "Native
// primitives"). Each is bounded by its input, so a call's time is bounded
// too: the time limit's checks run only in the guest's own loops.

// Host function names of the primitives, in the ABI table after the
// others.
const (
	FuncJSONGet    = "json_get"
	FuncJSONLeaves = "json_leaves"
)

// JSONType is the type of a JSON value, the first byte of what json_get
// writes and of each json_leaves record.
type JSONType uint8

const (
	JSONNull   JSONType = 1
	JSONFalse  JSONType = 2
	JSONTrue   JSONType = 3
	JSONNumber JSONType = 4
	JSONString JSONType = 5
	// JSONArray and JSONObject are values of json_get only: json_leaves
	// walks into them.
	JSONArray  JSONType = 6
	JSONObject JSONType = 7
	// JSONKey is a member name, a record of json_leaves only.
	JSONKey JSONType = 8
)

// Limits of the JSON primitives.
const (
	// MaxJSONPathLen bounds a json_get path.
	MaxJSONPathLen = 4 << 10
	// MaxJSONDepth bounds how deeply a body's arrays and objects nest:
	// deeper is ErrTooLarge, so that a body of '[' costs a bounded walk.
	MaxJSONDepth = 512
	// JSONLeafHeaderLen is the fixed part of a json_leaves record: type,
	// offset, token length, path length and value length.
	JSONLeafHeaderLen = 17
)

// Host function names of the regular expressions.
const (
	FuncRegexCompile = "regex_compile"
	FuncRegexMatch   = "regex_match"
	FuncRegexFind    = "regex_find"
)

// RegexTarget is what regex_match and regex_find match against.
type RegexTarget uint32

const (
	// RegexBytes is the guest's (data, data_len).
	RegexBytes RegexTarget = 0
	// RegexBody is the body of the call's kind.
	RegexBody RegexTarget = 1
	// RegexHeader is the values of the header of the call's kind named
	// by (data, data_len), NUL-separated as header_get returns them.
	RegexHeader RegexTarget = 2
	// RegexURI is the request target as uri_get returns it.
	RegexURI RegexTarget = 3
)

// Limits of the regular expressions.
const (
	// MaxRegexSets bounds the sets one instance compiles.
	MaxRegexSets = 64
	// MaxRegexPatterns bounds the expressions of one set.
	MaxRegexPatterns = 256
	// MaxRegexLen bounds one expression, MaxRegexSetLen a whole set.
	MaxRegexLen    = 4 << 10
	MaxRegexSetLen = 64 << 10
	// MaxRegexWork bounds one match: the subject's length (plus one)
	// times the instructions of the set's programs. Past it the call is
	// ErrTooLarge, since a host call runs to its end whatever the time
	// limit says.
	MaxRegexWork = 1 << 28
)

// Host function names of the pattern sets.
const (
	FuncPatternsCompile = "patterns_compile"
	FuncPatternsScan    = "patterns_scan"
)

// PatternsFoldCase makes a pattern set match ASCII letters in either
// case (patterns_compile's flags).
const PatternsFoldCase uint32 = 1

// Limits of the pattern sets.
const (
	// MaxPatternSets bounds the sets one instance compiles.
	MaxPatternSets = 64
	// MaxPatterns bounds the literals of one set.
	MaxPatterns = 1 << 16
	// MaxPatternLen bounds one literal, MaxPatternSetLen a whole set.
	MaxPatternLen    = 1 << 10
	MaxPatternSetLen = 1 << 20
	// MaxPatternMatches bounds the ids one scan reports.
	MaxPatternMatches = 1 << 10
)

// Host function names of the injection checks.
const (
	FuncSQLiCheck = "sqli_check"
	FuncXSSCheck  = "xss_check"
)

// Limits of the injection checks.
const (
	// MaxInjectionInput bounds what one check reads: past it the call is
	// ErrTooLarge. libinjection is linear in its input, at worst about
	// 70 ns a byte natively (a run of '<' read as HTML), so a check costs
	// at most tens of milliseconds, like the slowest regex match the
	// work limit lets through.
	MaxInjectionInput = 1 << 20
	// MaxSQLiFingerprint bounds the fingerprint sqli_check writes.
	MaxSQLiFingerprint = 8
)
