package main

import (
	//mage:import
	"github.com/magestatic/magestatic/staticbuild"
	"github.com/magestatic/magestatic/staticbuild/linuxpkg"
)

func init() {
	staticbuild.Project.Steps = []staticbuild.Step{
		linuxpkg.Step(linuxpkg.Package{
			Maintainer:  "Acme <ops@acme.example>",
			Description: "Acme's app\nIt serves the Acme API.",
			License:     "MIT",
			Homepage:    "https://acme.example/app",
			Binaries:    []string{"app"},
			Contents: []linuxpkg.Content{
				{Source: "packaging/app.conf", Destination: "/etc/app/app.conf", Config: true},
			},
			Systemd: []string{"packaging/app.service"},
			Scripts: linuxpkg.Scripts{PostInstall: "packaging/postinst.sh"},
			Depends: []string{"ca-certificates"},
		}),
	}
}
