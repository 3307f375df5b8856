// Every GraphQL operation the app sends. graphql-codegen types them from ../../schema.graphqls
// (src/gql/), so a schema change that breaks one fails the build.
import { graphql } from './gql';

export const ConvRowFields = graphql(`
  fragment ConvRow on Conversation {
    id
    conversationId
    kind
    viewerRole
    unreadCount
    archived
    muted
    mutedUntil
    pinnedAt
    lastActivityAt
    lastMessage { id messageId body type isMine createdAt }
    booking { id bookingId carOwner { id name } workshop { id name city } }
    listing { id listingId title price status seller { id name } }
    participants {
      name role isViewer online lastSeenAt lastReadMessageId lastReadAt
      user { id userId name }
      workshop { id orgNr name }
    }
  }
`);

export const MessageFields = graphql(`
  fragment Msg on Message {
    id messageId conversationId type body isMine isRead readAt clientMessageId removed createdAt senderRole
    editedAt unsentAt reactions { emoji count reactedByMe }
    sender { id userId name deleted }
    attachments { id name contentType size url }
    deliveryState
    replyTo { id messageId senderName excerpt removed sender { id deleted } }
  }
`);

export const ViewerQuery = graphql(`
  query Viewer { viewer { id userId name role orgNr } unreadCounts { messages conversationsWithUnread notifications } }
`);

export const InboxQuery = graphql(`
  query Inbox($first: Int!, $after: String, $filter: InboxFilter) {
    inbox(first: $first, after: $after, filter: $filter) {
      totalCount
      unreadTotal
      pageInfo { hasNextPage endCursor }
      nodes { ...ConvRow }
    }
  }
`);

export const ThreadQuery = graphql(`
  query Thread($id: ID!) { conversation(id: $id) { ...ConvRow } }
`);

export const MessagesQuery = graphql(`
  query Messages($id: ID!, $last: Int!, $before: String) {
    messages(conversationId: $id, last: $last, before: $before) {
      pageInfo { hasPreviousPage startCursor }
      nodes { ...Msg }
    }
  }
`);

export const SendMutation = graphql(`
  mutation Send($input: SendMessageInput!) {
    sendMessage(input: $input) { created message { ...Msg } conversation { ...ConvRow } }
  }
`);

export const MarkReadMutation = graphql(`
  mutation MarkRead($id: ID!, $upTo: ID) {
    markConversationRead(input: { conversationId: $id, upToMessageId: $upTo }) { unreadCount conversation { id unreadCount } }
  }
`);

export const TypingMutation = graphql(`
  mutation Typing($id: ID!) { setTyping(conversationId: $id) }
`);

export const ArchiveMutation = graphql(`
  mutation Archive($id: ID!) { archiveConversation(conversationId: $id) { conversation { id archived } } }
`);

export const UnarchiveMutation = graphql(`
  mutation Unarchive($id: ID!) { unarchiveConversation(conversationId: $id) { conversation { id archived } } }
`);

export const MuteMutation = graphql(`
  mutation Mute($id: ID!) { muteConversation(conversationId: $id) { conversation { id muted mutedUntil } } }
`);

export const UnmuteMutation = graphql(`
  mutation Unmute($id: ID!) { unmuteConversation(conversationId: $id) { conversation { id muted mutedUntil } } }
`);

export const PinMutation = graphql(`
  mutation Pin($id: ID!) { pinConversation(conversationId: $id) { conversation { id pinnedAt } } }
`);

export const UnpinMutation = graphql(`
  mutation Unpin($id: ID!) { unpinConversation(conversationId: $id) { conversation { id pinnedAt } } }
`);

export const DeleteMutation = graphql(`
  mutation DeleteConv($id: ID!) { deleteConversation(conversationId: $id) { conversationId } }
`);

export const BlockMutation = graphql(`
  mutation Block($userId: String!) { blockUser(userId: $userId) }
`);

export const ReportMutation = graphql(`
  mutation Report($input: ReportMessageInput!) { reportMessage(input: $input) { id reportId status } }
`);

export const TemplatesQuery = graphql(`
  query Templates { messageTemplates { id templateId name category content variables } }
`);

export const NotificationsQuery = graphql(`
  query Notifications($first: Int!) {
    notifications(first: $first) {
      unreadTotal
      nodes { id notificationId type title body isRead createdAt conversation { id conversationId } }
    }
  }
`);

export const MarkNotificationsMutation = graphql(`
  mutation MarkNotifications($ids: [ID!]!) { markNotificationsRead(ids: $ids) { updated } }
`);

export const MarkAllNotificationsMutation = graphql(`
  mutation MarkAllNotifications { markAllNotificationsRead { updated } }
`);

export const UnreadSubscription = graphql(`
  subscription UnreadCounts { unreadCountsChanged { messages conversationsWithUnread notifications } }
`);

export const ConversationUpdatedSubscription = graphql(`
  subscription ConversationUpdated { conversationUpdated { ...ConvRow } }
`);

export const NotificationAddedSubscription = graphql(`
  subscription NotificationAdded {
    notificationAdded { id notificationId type title body isRead createdAt conversation { id conversationId } }
  }
`);

export const MessageAddedSubscription = graphql(`
  subscription MessageAdded($id: ID!, $after: String) { messageAdded(conversationId: $id, after: $after) { ...Msg } }
`);

export const ReadReceiptSubscription = graphql(`
  subscription ReadReceipt($id: ID!) {
    readReceipt(conversationId: $id) { conversationId lastReadMessageId lastDeliveredMessageId readAt participant { isViewer name } }
  }
`);

export const TypingSubscription = graphql(`
  subscription TypingEvents($id: ID!) { typing(conversationId: $id) { conversationId expiresAt user { id name } } }
`);

export const StartMutation = graphql(`
  mutation Start($input: StartConversationInput!) { startConversation(input: $input) { created conversation { ...ConvRow } } }
`);

export const MessageChangedSubscription = graphql(`
  subscription MessageChanged($id: ID!, $after: String) {
    messageChanged(conversationId: $id, after: $after) { cursor kind message { ...Msg } }
  }
`);

export const EditMutation = graphql(`
  mutation Edit($id: ID!, $body: String!) { editMessage(id: $id, body: $body) { ...Msg } }
`);

export const UnsendMutation = graphql(`
  mutation Unsend($id: ID!) { unsendMessage(id: $id) { ...Msg } }
`);

export const DeleteForMeMutation = graphql(`
  mutation DeleteForMe($id: ID!) { deleteMessageForMe(id: $id) }
`);

export const AddReactionMutation = graphql(`
  mutation AddReaction($id: ID!, $emoji: String!) { addReaction(messageId: $id, emoji: $emoji) { ...Msg } }
`);

export const RemoveReactionMutation = graphql(`
  mutation RemoveReaction($id: ID!, $emoji: String!) { removeReaction(messageId: $id, emoji: $emoji) { ...Msg } }
`);

export const ReactionEmojiQuery = graphql(`
  query ReactionEmoji { reactionEmoji }
`);

export const SearchMessagesQuery = graphql(`
  query SearchMessages($query: String!, $first: Int!, $after: String) {
    searchMessages(query: $query, first: $first, after: $after) {
      typoTolerant
      pageInfo { hasNextPage endCursor }
      edges {
        cursor
        node {
          excerpt
          highlights { start length }
          message { id messageId createdAt isMine sender { id name } }
          conversation { ...ConvRow }
        }
      }
    }
  }
`);

export const VapidKeyQuery = graphql(`
  query VapidKey { vapidPublicKey }
`);

export const RegisterPushMutation = graphql(`
  mutation RegisterPush($input: RegisterPushSubscriptionInput!) { registerPushSubscription(input: $input) { endpoint } }
`);

export const RemovePushMutation = graphql(`
  mutation RemovePush($endpoint: String!) { removePushSubscription(endpoint: $endpoint) }
`);

export const DataExportsQuery = graphql(`
  query DataExports { dataExports { id status createdAt finishedAt expiresAt sizeBytes downloadUrl } }
`);

export const RequestDataExportMutation = graphql(`
  mutation RequestDataExport { requestDataExport { id status createdAt finishedAt expiresAt sizeBytes downloadUrl } }
`);
