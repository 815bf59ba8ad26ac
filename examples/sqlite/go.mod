module github.com/magestatic/magestatic/examples/sqlite

go 1.25

require (
	github.com/magestatic/magestatic v0.0.0
	github.com/mattn/go-sqlite3 v1.14.53
)

replace github.com/magestatic/magestatic => ../..
