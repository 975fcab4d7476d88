package main

// commands is the command table, in the order help lists them.
func commands() []*command {
	return []*command{
		initCmd(),
		keysGenerateCmd(), keysImportCmd(), keysExportCmd(), keysShowCmd(),
		teamAddCmd(), teamGrantCmd(), teamRevokeCmd(), teamRemoveCmd(), teamListCmd(),
		envCreateCmd(), envUseCmd(), envStatusCmd(), envListCmd(), envDeleteCmd(), envRotateCmd(),
		addEnvCmd(), addFileCmd(), untrackCmd(),
		pushCmd(), pullCmd(), diffCmd(), statusCmd(), restoreBackupCmd(), importCmd(),
		injectCmd(), exportCmd(),
		logCmd(), verifyCmd(), repairCmd(), upgradeCmd(), doctorCmd(),
		hooksInstallCmd(), hooksUninstallCmd(), hooksPreCommitCmd(), hooksScanCmd(),
		configSetCmd(), configGetCmd(), configListCmd(), configUnsetCmd(),
		completionCmd(), manCmd(), versionCmd(), helpCmd(),
	}
}
