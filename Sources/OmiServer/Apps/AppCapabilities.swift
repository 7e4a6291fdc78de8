import OmiContract

/// The four capabilities of apps.md §2.6, with the product's own short descriptions.
enum AppCapabilities {
    typealias Item = Components.Schemas.AppCapabilityItem

    static let docURL = "https://docs.omi.me/doc/developer/apps/Import"

    static let all: [Components.Schemas.AppCapability] = [
        .init(id: "chat", title: "Chat", description: "Adds an assistant the user can chat with.",
              triggers: [], actions: [], scopes: []),
        .init(id: "memories", title: "Conversations",
              description: "Runs on each finished conversation and adds its result to it.",
              triggers: [], actions: [], scopes: []),
        .init(id: "external_integration", title: "External Integration",
              description: "Connects an outside service through webhooks, setup steps and actions.",
              triggers: [
                  Item(id: "audio_bytes", title: "Audio Bytes"),
                  Item(id: "memory_creation", title: "Conversation Creation"),
                  Item(id: "transcript_processed", title: "Transcript Processed"),
              ],
              actions: [
                  .init(id: "create_conversation", title: "Create conversations", docUrl: docURL,
                        description: "Creates new conversations in the user's account."),
                  .init(id: "create_facts", title: "Create memories", docUrl: docURL,
                        description: "Adds memories to the user's account."),
                  .init(id: "read_conversations", title: "Read conversations", docUrl: docURL,
                        description: "Reads the user's conversations."),
                  .init(id: "read_memories", title: "Read memories", docUrl: docURL,
                        description: "Reads the user's memories."),
                  .init(id: "read_tasks", title: "Read tasks", docUrl: docURL, description: "Reads the user's tasks."),
              ],
              scopes: []),
        .init(id: "proactive_notification", title: "Notification",
              description: "Sends short notifications while a conversation is under way.",
              triggers: [], actions: [],
              scopes: [
                  Item(id: "user_name", title: "User Name"), Item(id: "user_facts", title: "User Facts"),
                  Item(id: "user_context", title: "User Conversations"), Item(id: "user_chat", title: "User Chat"),
              ]),
    ]
}
