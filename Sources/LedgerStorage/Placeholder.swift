public enum LedgerStoragePlaceholder {}
