# Reviews of pull requests and comments on lines of their diffs.
error-review-line = Choose a line of the pull request's diff: that file has no such line.
error-review-comment-not-found = There is no such comment on this pull request.
error-review-resolve-forbidden = Only the pull request's author and maintainers resolve conversations.
error-review-comment-not-yours = You can only change your own comments.
error-review-no-diff = This pull request has no changes to comment on (a branch is missing).
error-review-not-found = There is no such review of this pull request.
pulls-tab-reviews = Reviews
reviews-page-link = Reviews and conversations
reviews-heading = Reviews
reviews-none = Nobody has reviewed this pull request yet.
reviews-summary-heading = Verdicts
reviews-summary-none = Nobody has approved or requested changes yet.
reviews-approved-by = Approved by { $names }
reviews-changes-requested-by = Changes requested by { $names }
reviews-verdict-approved = approved
reviews-verdict-changes-requested = requested changes
reviews-verdict-commented = commented
reviews-dismissed = Dismissed
reviews-dismiss = Dismiss this review
reviews-line-comments = { $count ->
    [one] one comment on a line
   *[other] { $count } comments on lines
}
reviews-new-heading = Review
reviews-verdict-legend = Your verdict
reviews-choice-approve = Approve
reviews-choice-request-changes = Request changes
reviews-choice-comment = Comment only
reviews-body-field = Text
reviews-body-hint = Markdown. Required to request changes or to comment.
reviews-submit = Submit the review
reviews-conversations-heading = Conversations on lines
reviews-conversations-none = No conversations on lines of the current diff.
reviews-outdated-heading = Outdated conversations
reviews-outdated = Outdated
reviews-elsewhere-heading = Other conversations
reviews-side-new = new
reviews-side-old = old
reviews-place = { $path }, line { $line } ({ $side })
reviews-resolved-by = Resolved by { $name }
reviews-comment-count = { $count ->
    [one] One comment
   *[other] { $count } comments
}
reviews-comment-on-line = Comment on line { $line } of { $path }
reviews-comment-button = Comment
reviews-cancel = Cancel
reviews-reply-field = Reply
reviews-reply-button = Reply
reviews-resolve = Resolve the conversation
reviews-unresolve = Unresolve the conversation
reviews-edit = Edit
reviews-delete = Delete
reviews-edit-heading = Edit a comment
reviews-save = Save
