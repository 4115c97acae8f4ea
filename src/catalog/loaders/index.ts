// Where each source kind's loader is declared. A new kind is one line here and one loader file.

export {};
