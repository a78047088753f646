// Most integration tests finish in well under a minute: a hang fails after three. Files that build
// the Python service from scratch on several engines set their own, longer limit.
jest.setTimeout(3 * 60 * 1000)
