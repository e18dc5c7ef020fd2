print("celltrace")
