/** Each message's part in support metrics: who wrote it (by role) in which conversation, when. */
export interface SupportMessagesTable {
  message_key: string;
  conversation_key: string;
  sender: string;
  role: string;
  role_reason: string;
  /** Kommunicate's timeStamp, epoch ms. */
  at: number;
  /** 1 once this agent message's first response time / reply time went to Prometheus. */
  observed_first: number;
  observed_reply: number;
}

/** Each sender's latest classification, for the roles preview. */
export interface SupportSendersTable {
  sender: string;
  role: string;
  role_reason: string;
  /** The metadata of its latest message (JSON), to classify it again with the current settings. */
  metadata: string;
  last_at: number;
}

/** One row per session: recomputed from its messages whenever one of them arrives. */
export interface SupportSessionsTable {
  conversation_key: string;
  started_at: number;
  ended_at: number;
  first_message_key: string;
  initiator: string;
  customer: string | null;
  /** JSON array of the agents' ids, in order of their first message. */
  agents: string;
  messages: number;
  customer_messages: number;
  agent_messages: number;
  bot_messages: number;
  first_customer_at: number | null;
  first_response_ms: number | null;
  first_response_business_ms: number | null;
  first_response_with_bots_ms: number | null;
  first_response_with_bots_business_ms: number | null;
  handoff_ms: number | null;
  handoff_business_ms: number | null;
  /** The customer's open wait at the session's end (no agent or bot answered since). */
  waiting_since: number | null;
}

/** One row per customer wait: from the customer's first unanswered message to the answer, or open. */
export interface SupportWaitsTable {
  customer_message_key: string;
  conversation_key: string;
  session_started_at: number;
  started_at: number;
  /** `agent`, `bot`, or null while nobody answered. */
  ended_by: string | null;
  ended_at: number | null;
  reply_message_key: string | null;
  wait_ms: number | null;
  business_wait_ms: number | null;
}

export interface SupportTables {
  support_messages: SupportMessagesTable;
  support_senders: SupportSendersTable;
  support_sessions: SupportSessionsTable;
  support_waits: SupportWaitsTable;
}
