/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  fragment ConvRow on Conversation {\n    id\n    conversationId\n    kind\n    viewerRole\n    unreadCount\n    archived\n    muted\n    mutedUntil\n    pinnedAt\n    lastActivityAt\n    lastMessage { id messageId body type isMine createdAt }\n    booking { id bookingId carOwner { id name } workshop { id name city } }\n    listing { id listingId title price status seller { id name } }\n    participants {\n      name role isViewer online lastSeenAt lastReadMessageId lastReadAt\n      user { id userId name }\n      workshop { id orgNr name }\n    }\n  }\n": typeof types.ConvRowFragmentDoc,
    "\n  fragment Msg on Message {\n    id messageId conversationId type body isMine isRead readAt clientMessageId removed createdAt senderRole\n    editedAt unsentAt reactions { emoji count reactedByMe }\n    sender { id userId name deleted }\n    attachments { id name contentType size url }\n    deliveryState\n    replyTo { id messageId senderName excerpt removed sender { id deleted } }\n  }\n": typeof types.MsgFragmentDoc,
    "\n  query Viewer { viewer { id userId name role orgNr } unreadCounts { messages conversationsWithUnread notifications } }\n": typeof types.ViewerDocument,
    "\n  query Inbox($first: Int!, $after: String, $filter: InboxFilter) {\n    inbox(first: $first, after: $after, filter: $filter) {\n      totalCount\n      unreadTotal\n      pageInfo { hasNextPage endCursor }\n      nodes { ...ConvRow }\n    }\n  }\n": typeof types.InboxDocument,
    "\n  query Thread($id: ID!) { conversation(id: $id) { ...ConvRow } }\n": typeof types.ThreadDocument,
    "\n  query Messages($id: ID!, $last: Int!, $before: String) {\n    messages(conversationId: $id, last: $last, before: $before) {\n      pageInfo { hasPreviousPage startCursor }\n      nodes { ...Msg }\n    }\n  }\n": typeof types.MessagesDocument,
    "\n  mutation Send($input: SendMessageInput!) {\n    sendMessage(input: $input) { created message { ...Msg } conversation { ...ConvRow } }\n  }\n": typeof types.SendDocument,
    "\n  mutation MarkRead($id: ID!, $upTo: ID) {\n    markConversationRead(input: { conversationId: $id, upToMessageId: $upTo }) { unreadCount conversation { id unreadCount } }\n  }\n": typeof types.MarkReadDocument,
    "\n  mutation Typing($id: ID!) { setTyping(conversationId: $id) }\n": typeof types.TypingDocument,
    "\n  mutation Archive($id: ID!) { archiveConversation(conversationId: $id) { conversation { id archived } } }\n": typeof types.ArchiveDocument,
    "\n  mutation Unarchive($id: ID!) { unarchiveConversation(conversationId: $id) { conversation { id archived } } }\n": typeof types.UnarchiveDocument,
    "\n  mutation Mute($id: ID!) { muteConversation(conversationId: $id) { conversation { id muted mutedUntil } } }\n": typeof types.MuteDocument,
    "\n  mutation Unmute($id: ID!) { unmuteConversation(conversationId: $id) { conversation { id muted mutedUntil } } }\n": typeof types.UnmuteDocument,
    "\n  mutation Pin($id: ID!) { pinConversation(conversationId: $id) { conversation { id pinnedAt } } }\n": typeof types.PinDocument,
    "\n  mutation Unpin($id: ID!) { unpinConversation(conversationId: $id) { conversation { id pinnedAt } } }\n": typeof types.UnpinDocument,
    "\n  mutation DeleteConv($id: ID!) { deleteConversation(conversationId: $id) { conversationId } }\n": typeof types.DeleteConvDocument,
    "\n  mutation Block($userId: String!) { blockUser(userId: $userId) }\n": typeof types.BlockDocument,
    "\n  mutation Report($input: ReportMessageInput!) { reportMessage(input: $input) { id reportId status } }\n": typeof types.ReportDocument,
    "\n  query Templates { messageTemplates { id templateId name category content variables } }\n": typeof types.TemplatesDocument,
    "\n  query Notifications($first: Int!) {\n    notifications(first: $first) {\n      unreadTotal\n      nodes { id notificationId type title body isRead createdAt conversation { id conversationId } }\n    }\n  }\n": typeof types.NotificationsDocument,
    "\n  mutation MarkNotifications($ids: [ID!]!) { markNotificationsRead(ids: $ids) { updated } }\n": typeof types.MarkNotificationsDocument,
    "\n  mutation MarkAllNotifications { markAllNotificationsRead { updated } }\n": typeof types.MarkAllNotificationsDocument,
    "\n  subscription UnreadCounts { unreadCountsChanged { messages conversationsWithUnread notifications } }\n": typeof types.UnreadCountsDocument,
    "\n  subscription ConversationUpdated { conversationUpdated { ...ConvRow } }\n": typeof types.ConversationUpdatedDocument,
    "\n  subscription NotificationAdded {\n    notificationAdded { id notificationId type title body isRead createdAt conversation { id conversationId } }\n  }\n": typeof types.NotificationAddedDocument,
    "\n  subscription MessageAdded($id: ID!, $after: String) { messageAdded(conversationId: $id, after: $after) { ...Msg } }\n": typeof types.MessageAddedDocument,
    "\n  subscription ReadReceipt($id: ID!) {\n    readReceipt(conversationId: $id) { conversationId lastReadMessageId lastDeliveredMessageId readAt participant { isViewer name } }\n  }\n": typeof types.ReadReceiptDocument,
    "\n  subscription TypingEvents($id: ID!) { typing(conversationId: $id) { conversationId expiresAt user { id name } } }\n": typeof types.TypingEventsDocument,
    "\n  mutation Start($input: StartConversationInput!) { startConversation(input: $input) { created conversation { ...ConvRow } } }\n": typeof types.StartDocument,
    "\n  subscription MessageChanged($id: ID!, $after: String) {\n    messageChanged(conversationId: $id, after: $after) { cursor kind message { ...Msg } }\n  }\n": typeof types.MessageChangedDocument,
    "\n  mutation Edit($id: ID!, $body: String!) { editMessage(id: $id, body: $body) { ...Msg } }\n": typeof types.EditDocument,
    "\n  mutation Unsend($id: ID!) { unsendMessage(id: $id) { ...Msg } }\n": typeof types.UnsendDocument,
    "\n  mutation DeleteForMe($id: ID!) { deleteMessageForMe(id: $id) }\n": typeof types.DeleteForMeDocument,
    "\n  mutation AddReaction($id: ID!, $emoji: String!) { addReaction(messageId: $id, emoji: $emoji) { ...Msg } }\n": typeof types.AddReactionDocument,
    "\n  mutation RemoveReaction($id: ID!, $emoji: String!) { removeReaction(messageId: $id, emoji: $emoji) { ...Msg } }\n": typeof types.RemoveReactionDocument,
    "\n  query ReactionEmoji { reactionEmoji }\n": typeof types.ReactionEmojiDocument,
    "\n  query SearchMessages($query: String!, $first: Int!, $after: String) {\n    searchMessages(query: $query, first: $first, after: $after) {\n      typoTolerant\n      pageInfo { hasNextPage endCursor }\n      edges {\n        cursor\n        node {\n          excerpt\n          highlights { start length }\n          message { id messageId createdAt isMine sender { id name } }\n          conversation { ...ConvRow }\n        }\n      }\n    }\n  }\n": typeof types.SearchMessagesDocument,
    "\n  query VapidKey { vapidPublicKey }\n": typeof types.VapidKeyDocument,
    "\n  mutation RegisterPush($input: RegisterPushSubscriptionInput!) { registerPushSubscription(input: $input) { endpoint } }\n": typeof types.RegisterPushDocument,
    "\n  mutation RemovePush($endpoint: String!) { removePushSubscription(endpoint: $endpoint) }\n": typeof types.RemovePushDocument,
    "\n  query DataExports { dataExports { id status createdAt finishedAt expiresAt sizeBytes downloadUrl } }\n": typeof types.DataExportsDocument,
    "\n  mutation RequestDataExport { requestDataExport { id status createdAt finishedAt expiresAt sizeBytes downloadUrl } }\n": typeof types.RequestDataExportDocument,
};
const documents: Documents = {
    "\n  fragment ConvRow on Conversation {\n    id\n    conversationId\n    kind\n    viewerRole\n    unreadCount\n    archived\n    muted\n    mutedUntil\n    pinnedAt\n    lastActivityAt\n    lastMessage { id messageId body type isMine createdAt }\n    booking { id bookingId carOwner { id name } workshop { id name city } }\n    listing { id listingId title price status seller { id name } }\n    participants {\n      name role isViewer online lastSeenAt lastReadMessageId lastReadAt\n      user { id userId name }\n      workshop { id orgNr name }\n    }\n  }\n": types.ConvRowFragmentDoc,
    "\n  fragment Msg on Message {\n    id messageId conversationId type body isMine isRead readAt clientMessageId removed createdAt senderRole\n    editedAt unsentAt reactions { emoji count reactedByMe }\n    sender { id userId name deleted }\n    attachments { id name contentType size url }\n    deliveryState\n    replyTo { id messageId senderName excerpt removed sender { id deleted } }\n  }\n": types.MsgFragmentDoc,
    "\n  query Viewer { viewer { id userId name role orgNr } unreadCounts { messages conversationsWithUnread notifications } }\n": types.ViewerDocument,
    "\n  query Inbox($first: Int!, $after: String, $filter: InboxFilter) {\n    inbox(first: $first, after: $after, filter: $filter) {\n      totalCount\n      unreadTotal\n      pageInfo { hasNextPage endCursor }\n      nodes { ...ConvRow }\n    }\n  }\n": types.InboxDocument,
    "\n  query Thread($id: ID!) { conversation(id: $id) { ...ConvRow } }\n": types.ThreadDocument,
    "\n  query Messages($id: ID!, $last: Int!, $before: String) {\n    messages(conversationId: $id, last: $last, before: $before) {\n      pageInfo { hasPreviousPage startCursor }\n      nodes { ...Msg }\n    }\n  }\n": types.MessagesDocument,
    "\n  mutation Send($input: SendMessageInput!) {\n    sendMessage(input: $input) { created message { ...Msg } conversation { ...ConvRow } }\n  }\n": types.SendDocument,
    "\n  mutation MarkRead($id: ID!, $upTo: ID) {\n    markConversationRead(input: { conversationId: $id, upToMessageId: $upTo }) { unreadCount conversation { id unreadCount } }\n  }\n": types.MarkReadDocument,
    "\n  mutation Typing($id: ID!) { setTyping(conversationId: $id) }\n": types.TypingDocument,
    "\n  mutation Archive($id: ID!) { archiveConversation(conversationId: $id) { conversation { id archived } } }\n": types.ArchiveDocument,
    "\n  mutation Unarchive($id: ID!) { unarchiveConversation(conversationId: $id) { conversation { id archived } } }\n": types.UnarchiveDocument,
    "\n  mutation Mute($id: ID!) { muteConversation(conversationId: $id) { conversation { id muted mutedUntil } } }\n": types.MuteDocument,
    "\n  mutation Unmute($id: ID!) { unmuteConversation(conversationId: $id) { conversation { id muted mutedUntil } } }\n": types.UnmuteDocument,
    "\n  mutation Pin($id: ID!) { pinConversation(conversationId: $id) { conversation { id pinnedAt } } }\n": types.PinDocument,
    "\n  mutation Unpin($id: ID!) { unpinConversation(conversationId: $id) { conversation { id pinnedAt } } }\n": types.UnpinDocument,
    "\n  mutation DeleteConv($id: ID!) { deleteConversation(conversationId: $id) { conversationId } }\n": types.DeleteConvDocument,
    "\n  mutation Block($userId: String!) { blockUser(userId: $userId) }\n": types.BlockDocument,
    "\n  mutation Report($input: ReportMessageInput!) { reportMessage(input: $input) { id reportId status } }\n": types.ReportDocument,
    "\n  query Templates { messageTemplates { id templateId name category content variables } }\n": types.TemplatesDocument,
    "\n  query Notifications($first: Int!) {\n    notifications(first: $first) {\n      unreadTotal\n      nodes { id notificationId type title body isRead createdAt conversation { id conversationId } }\n    }\n  }\n": types.NotificationsDocument,
    "\n  mutation MarkNotifications($ids: [ID!]!) { markNotificationsRead(ids: $ids) { updated } }\n": types.MarkNotificationsDocument,
    "\n  mutation MarkAllNotifications { markAllNotificationsRead { updated } }\n": types.MarkAllNotificationsDocument,
    "\n  subscription UnreadCounts { unreadCountsChanged { messages conversationsWithUnread notifications } }\n": types.UnreadCountsDocument,
    "\n  subscription ConversationUpdated { conversationUpdated { ...ConvRow } }\n": types.ConversationUpdatedDocument,
    "\n  subscription NotificationAdded {\n    notificationAdded { id notificationId type title body isRead createdAt conversation { id conversationId } }\n  }\n": types.NotificationAddedDocument,
    "\n  subscription MessageAdded($id: ID!, $after: String) { messageAdded(conversationId: $id, after: $after) { ...Msg } }\n": types.MessageAddedDocument,
    "\n  subscription ReadReceipt($id: ID!) {\n    readReceipt(conversationId: $id) { conversationId lastReadMessageId lastDeliveredMessageId readAt participant { isViewer name } }\n  }\n": types.ReadReceiptDocument,
    "\n  subscription TypingEvents($id: ID!) { typing(conversationId: $id) { conversationId expiresAt user { id name } } }\n": types.TypingEventsDocument,
    "\n  mutation Start($input: StartConversationInput!) { startConversation(input: $input) { created conversation { ...ConvRow } } }\n": types.StartDocument,
    "\n  subscription MessageChanged($id: ID!, $after: String) {\n    messageChanged(conversationId: $id, after: $after) { cursor kind message { ...Msg } }\n  }\n": types.MessageChangedDocument,
    "\n  mutation Edit($id: ID!, $body: String!) { editMessage(id: $id, body: $body) { ...Msg } }\n": types.EditDocument,
    "\n  mutation Unsend($id: ID!) { unsendMessage(id: $id) { ...Msg } }\n": types.UnsendDocument,
    "\n  mutation DeleteForMe($id: ID!) { deleteMessageForMe(id: $id) }\n": types.DeleteForMeDocument,
    "\n  mutation AddReaction($id: ID!, $emoji: String!) { addReaction(messageId: $id, emoji: $emoji) { ...Msg } }\n": types.AddReactionDocument,
    "\n  mutation RemoveReaction($id: ID!, $emoji: String!) { removeReaction(messageId: $id, emoji: $emoji) { ...Msg } }\n": types.RemoveReactionDocument,
    "\n  query ReactionEmoji { reactionEmoji }\n": types.ReactionEmojiDocument,
    "\n  query SearchMessages($query: String!, $first: Int!, $after: String) {\n    searchMessages(query: $query, first: $first, after: $after) {\n      typoTolerant\n      pageInfo { hasNextPage endCursor }\n      edges {\n        cursor\n        node {\n          excerpt\n          highlights { start length }\n          message { id messageId createdAt isMine sender { id name } }\n          conversation { ...ConvRow }\n        }\n      }\n    }\n  }\n": types.SearchMessagesDocument,
    "\n  query VapidKey { vapidPublicKey }\n": types.VapidKeyDocument,
    "\n  mutation RegisterPush($input: RegisterPushSubscriptionInput!) { registerPushSubscription(input: $input) { endpoint } }\n": types.RegisterPushDocument,
    "\n  mutation RemovePush($endpoint: String!) { removePushSubscription(endpoint: $endpoint) }\n": types.RemovePushDocument,
    "\n  query DataExports { dataExports { id status createdAt finishedAt expiresAt sizeBytes downloadUrl } }\n": types.DataExportsDocument,
    "\n  mutation RequestDataExport { requestDataExport { id status createdAt finishedAt expiresAt sizeBytes downloadUrl } }\n": types.RequestDataExportDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ConvRow on Conversation {\n    id\n    conversationId\n    kind\n    viewerRole\n    unreadCount\n    archived\n    muted\n    mutedUntil\n    pinnedAt\n    lastActivityAt\n    lastMessage { id messageId body type isMine createdAt }\n    booking { id bookingId carOwner { id name } workshop { id name city } }\n    listing { id listingId title price status seller { id name } }\n    participants {\n      name role isViewer online lastSeenAt lastReadMessageId lastReadAt\n      user { id userId name }\n      workshop { id orgNr name }\n    }\n  }\n"): (typeof documents)["\n  fragment ConvRow on Conversation {\n    id\n    conversationId\n    kind\n    viewerRole\n    unreadCount\n    archived\n    muted\n    mutedUntil\n    pinnedAt\n    lastActivityAt\n    lastMessage { id messageId body type isMine createdAt }\n    booking { id bookingId carOwner { id name } workshop { id name city } }\n    listing { id listingId title price status seller { id name } }\n    participants {\n      name role isViewer online lastSeenAt lastReadMessageId lastReadAt\n      user { id userId name }\n      workshop { id orgNr name }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment Msg on Message {\n    id messageId conversationId type body isMine isRead readAt clientMessageId removed createdAt senderRole\n    editedAt unsentAt reactions { emoji count reactedByMe }\n    sender { id userId name deleted }\n    attachments { id name contentType size url }\n    deliveryState\n    replyTo { id messageId senderName excerpt removed sender { id deleted } }\n  }\n"): (typeof documents)["\n  fragment Msg on Message {\n    id messageId conversationId type body isMine isRead readAt clientMessageId removed createdAt senderRole\n    editedAt unsentAt reactions { emoji count reactedByMe }\n    sender { id userId name deleted }\n    attachments { id name contentType size url }\n    deliveryState\n    replyTo { id messageId senderName excerpt removed sender { id deleted } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Viewer { viewer { id userId name role orgNr } unreadCounts { messages conversationsWithUnread notifications } }\n"): (typeof documents)["\n  query Viewer { viewer { id userId name role orgNr } unreadCounts { messages conversationsWithUnread notifications } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Inbox($first: Int!, $after: String, $filter: InboxFilter) {\n    inbox(first: $first, after: $after, filter: $filter) {\n      totalCount\n      unreadTotal\n      pageInfo { hasNextPage endCursor }\n      nodes { ...ConvRow }\n    }\n  }\n"): (typeof documents)["\n  query Inbox($first: Int!, $after: String, $filter: InboxFilter) {\n    inbox(first: $first, after: $after, filter: $filter) {\n      totalCount\n      unreadTotal\n      pageInfo { hasNextPage endCursor }\n      nodes { ...ConvRow }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Thread($id: ID!) { conversation(id: $id) { ...ConvRow } }\n"): (typeof documents)["\n  query Thread($id: ID!) { conversation(id: $id) { ...ConvRow } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Messages($id: ID!, $last: Int!, $before: String) {\n    messages(conversationId: $id, last: $last, before: $before) {\n      pageInfo { hasPreviousPage startCursor }\n      nodes { ...Msg }\n    }\n  }\n"): (typeof documents)["\n  query Messages($id: ID!, $last: Int!, $before: String) {\n    messages(conversationId: $id, last: $last, before: $before) {\n      pageInfo { hasPreviousPage startCursor }\n      nodes { ...Msg }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Send($input: SendMessageInput!) {\n    sendMessage(input: $input) { created message { ...Msg } conversation { ...ConvRow } }\n  }\n"): (typeof documents)["\n  mutation Send($input: SendMessageInput!) {\n    sendMessage(input: $input) { created message { ...Msg } conversation { ...ConvRow } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation MarkRead($id: ID!, $upTo: ID) {\n    markConversationRead(input: { conversationId: $id, upToMessageId: $upTo }) { unreadCount conversation { id unreadCount } }\n  }\n"): (typeof documents)["\n  mutation MarkRead($id: ID!, $upTo: ID) {\n    markConversationRead(input: { conversationId: $id, upToMessageId: $upTo }) { unreadCount conversation { id unreadCount } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Typing($id: ID!) { setTyping(conversationId: $id) }\n"): (typeof documents)["\n  mutation Typing($id: ID!) { setTyping(conversationId: $id) }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Archive($id: ID!) { archiveConversation(conversationId: $id) { conversation { id archived } } }\n"): (typeof documents)["\n  mutation Archive($id: ID!) { archiveConversation(conversationId: $id) { conversation { id archived } } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Unarchive($id: ID!) { unarchiveConversation(conversationId: $id) { conversation { id archived } } }\n"): (typeof documents)["\n  mutation Unarchive($id: ID!) { unarchiveConversation(conversationId: $id) { conversation { id archived } } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Mute($id: ID!) { muteConversation(conversationId: $id) { conversation { id muted mutedUntil } } }\n"): (typeof documents)["\n  mutation Mute($id: ID!) { muteConversation(conversationId: $id) { conversation { id muted mutedUntil } } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Unmute($id: ID!) { unmuteConversation(conversationId: $id) { conversation { id muted mutedUntil } } }\n"): (typeof documents)["\n  mutation Unmute($id: ID!) { unmuteConversation(conversationId: $id) { conversation { id muted mutedUntil } } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Pin($id: ID!) { pinConversation(conversationId: $id) { conversation { id pinnedAt } } }\n"): (typeof documents)["\n  mutation Pin($id: ID!) { pinConversation(conversationId: $id) { conversation { id pinnedAt } } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Unpin($id: ID!) { unpinConversation(conversationId: $id) { conversation { id pinnedAt } } }\n"): (typeof documents)["\n  mutation Unpin($id: ID!) { unpinConversation(conversationId: $id) { conversation { id pinnedAt } } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteConv($id: ID!) { deleteConversation(conversationId: $id) { conversationId } }\n"): (typeof documents)["\n  mutation DeleteConv($id: ID!) { deleteConversation(conversationId: $id) { conversationId } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Block($userId: String!) { blockUser(userId: $userId) }\n"): (typeof documents)["\n  mutation Block($userId: String!) { blockUser(userId: $userId) }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Report($input: ReportMessageInput!) { reportMessage(input: $input) { id reportId status } }\n"): (typeof documents)["\n  mutation Report($input: ReportMessageInput!) { reportMessage(input: $input) { id reportId status } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Templates { messageTemplates { id templateId name category content variables } }\n"): (typeof documents)["\n  query Templates { messageTemplates { id templateId name category content variables } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Notifications($first: Int!) {\n    notifications(first: $first) {\n      unreadTotal\n      nodes { id notificationId type title body isRead createdAt conversation { id conversationId } }\n    }\n  }\n"): (typeof documents)["\n  query Notifications($first: Int!) {\n    notifications(first: $first) {\n      unreadTotal\n      nodes { id notificationId type title body isRead createdAt conversation { id conversationId } }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation MarkNotifications($ids: [ID!]!) { markNotificationsRead(ids: $ids) { updated } }\n"): (typeof documents)["\n  mutation MarkNotifications($ids: [ID!]!) { markNotificationsRead(ids: $ids) { updated } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation MarkAllNotifications { markAllNotificationsRead { updated } }\n"): (typeof documents)["\n  mutation MarkAllNotifications { markAllNotificationsRead { updated } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription UnreadCounts { unreadCountsChanged { messages conversationsWithUnread notifications } }\n"): (typeof documents)["\n  subscription UnreadCounts { unreadCountsChanged { messages conversationsWithUnread notifications } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription ConversationUpdated { conversationUpdated { ...ConvRow } }\n"): (typeof documents)["\n  subscription ConversationUpdated { conversationUpdated { ...ConvRow } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription NotificationAdded {\n    notificationAdded { id notificationId type title body isRead createdAt conversation { id conversationId } }\n  }\n"): (typeof documents)["\n  subscription NotificationAdded {\n    notificationAdded { id notificationId type title body isRead createdAt conversation { id conversationId } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription MessageAdded($id: ID!, $after: String) { messageAdded(conversationId: $id, after: $after) { ...Msg } }\n"): (typeof documents)["\n  subscription MessageAdded($id: ID!, $after: String) { messageAdded(conversationId: $id, after: $after) { ...Msg } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription ReadReceipt($id: ID!) {\n    readReceipt(conversationId: $id) { conversationId lastReadMessageId lastDeliveredMessageId readAt participant { isViewer name } }\n  }\n"): (typeof documents)["\n  subscription ReadReceipt($id: ID!) {\n    readReceipt(conversationId: $id) { conversationId lastReadMessageId lastDeliveredMessageId readAt participant { isViewer name } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription TypingEvents($id: ID!) { typing(conversationId: $id) { conversationId expiresAt user { id name } } }\n"): (typeof documents)["\n  subscription TypingEvents($id: ID!) { typing(conversationId: $id) { conversationId expiresAt user { id name } } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Start($input: StartConversationInput!) { startConversation(input: $input) { created conversation { ...ConvRow } } }\n"): (typeof documents)["\n  mutation Start($input: StartConversationInput!) { startConversation(input: $input) { created conversation { ...ConvRow } } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription MessageChanged($id: ID!, $after: String) {\n    messageChanged(conversationId: $id, after: $after) { cursor kind message { ...Msg } }\n  }\n"): (typeof documents)["\n  subscription MessageChanged($id: ID!, $after: String) {\n    messageChanged(conversationId: $id, after: $after) { cursor kind message { ...Msg } }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Edit($id: ID!, $body: String!) { editMessage(id: $id, body: $body) { ...Msg } }\n"): (typeof documents)["\n  mutation Edit($id: ID!, $body: String!) { editMessage(id: $id, body: $body) { ...Msg } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Unsend($id: ID!) { unsendMessage(id: $id) { ...Msg } }\n"): (typeof documents)["\n  mutation Unsend($id: ID!) { unsendMessage(id: $id) { ...Msg } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteForMe($id: ID!) { deleteMessageForMe(id: $id) }\n"): (typeof documents)["\n  mutation DeleteForMe($id: ID!) { deleteMessageForMe(id: $id) }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AddReaction($id: ID!, $emoji: String!) { addReaction(messageId: $id, emoji: $emoji) { ...Msg } }\n"): (typeof documents)["\n  mutation AddReaction($id: ID!, $emoji: String!) { addReaction(messageId: $id, emoji: $emoji) { ...Msg } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RemoveReaction($id: ID!, $emoji: String!) { removeReaction(messageId: $id, emoji: $emoji) { ...Msg } }\n"): (typeof documents)["\n  mutation RemoveReaction($id: ID!, $emoji: String!) { removeReaction(messageId: $id, emoji: $emoji) { ...Msg } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ReactionEmoji { reactionEmoji }\n"): (typeof documents)["\n  query ReactionEmoji { reactionEmoji }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query SearchMessages($query: String!, $first: Int!, $after: String) {\n    searchMessages(query: $query, first: $first, after: $after) {\n      typoTolerant\n      pageInfo { hasNextPage endCursor }\n      edges {\n        cursor\n        node {\n          excerpt\n          highlights { start length }\n          message { id messageId createdAt isMine sender { id name } }\n          conversation { ...ConvRow }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query SearchMessages($query: String!, $first: Int!, $after: String) {\n    searchMessages(query: $query, first: $first, after: $after) {\n      typoTolerant\n      pageInfo { hasNextPage endCursor }\n      edges {\n        cursor\n        node {\n          excerpt\n          highlights { start length }\n          message { id messageId createdAt isMine sender { id name } }\n          conversation { ...ConvRow }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query VapidKey { vapidPublicKey }\n"): (typeof documents)["\n  query VapidKey { vapidPublicKey }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RegisterPush($input: RegisterPushSubscriptionInput!) { registerPushSubscription(input: $input) { endpoint } }\n"): (typeof documents)["\n  mutation RegisterPush($input: RegisterPushSubscriptionInput!) { registerPushSubscription(input: $input) { endpoint } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RemovePush($endpoint: String!) { removePushSubscription(endpoint: $endpoint) }\n"): (typeof documents)["\n  mutation RemovePush($endpoint: String!) { removePushSubscription(endpoint: $endpoint) }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query DataExports { dataExports { id status createdAt finishedAt expiresAt sizeBytes downloadUrl } }\n"): (typeof documents)["\n  query DataExports { dataExports { id status createdAt finishedAt expiresAt sizeBytes downloadUrl } }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RequestDataExport { requestDataExport { id status createdAt finishedAt expiresAt sizeBytes downloadUrl } }\n"): (typeof documents)["\n  mutation RequestDataExport { requestDataExport { id status createdAt finishedAt expiresAt sizeBytes downloadUrl } }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;