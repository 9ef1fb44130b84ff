// Free-form string metadata, as groups and webhooks carry it.
export type Metadata = Readonly<Record<string, string>>;
