package staticbuild

import "slices"

// Getenv returns the value of the variable key in the run's environment
// and whether it is set. The run's environment is Config.Environ, or the
// process's environment read once when the run started; a step reads it
// here rather than with os.Getenv, so that it sees what the go command
// and git see. When key is given several times, the last value counts,
// as it does for the go command.
func (r *Run) Getenv(key string) (string, bool) {
	return lookupEnv(r.env.vars, key)
}

// Environ returns a copy of the run's environment (see Getenv), for a
// step that starts a command of its own.
func (r *Run) Environ() []string {
	return slices.Clone(r.env.vars)
}
