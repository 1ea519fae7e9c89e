// The event contracts: the only part of webhook/ other modules may import.
export * from './conversation-started.event';
export * from './domain-event';
export * from './event-map';
export * from './events-of-message';
export * from './message-attachment-received.event';
export * from './message-received.event';
export * from './received-message';
