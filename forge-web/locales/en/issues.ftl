# en: issues — the issue tracker's pages (list, issue, new issue, labels, milestones)

## Repository tab and sub-navigation
issues-tab = Issues
issues-tab-open-prefix = open:
issues-subnav = Issue tracker
issues-subnav-issues = Issues
issues-subnav-labels = Labels
issues-subnav-milestones = Milestones
issues-new-button = New issue

## The list
issues-heading-open = Open issues
issues-heading-closed = Closed issues
issues-heading-all = All issues
issues-state-nav = Open or closed issues
issues-tab-open = Open ({ $count })
issues-tab-closed = Closed ({ $count })
issues-filters-heading = Filter and sort
issues-filters-have-errors = Some filters name nobody: see the message next to each one.
issues-filter-search = Words to find
issues-filter-search-hint = Searches titles, descriptions and comments; every word must appear.
issues-filter-labels = Labels
issues-filter-labels-hint = Shows only the issues that have all of the checked labels.
issues-filter-milestone = Milestone
issues-filter-milestone-any = Any milestone
issues-filter-milestone-none = No milestone
issues-milestone-closed-choice = { $title } (closed)
issues-filter-assignee = Assigned to (name)
issues-filter-author = Opened by (name)
issues-filter-mentioned = Mentioning (name)
issues-filter-no-user = Nobody is called “{ $name }”.
issues-filter-sort = Sort by
issues-sort-newest = Newest first
issues-sort-oldest = Oldest first
issues-sort-recentupdate = Recently updated
issues-sort-mostcomment = Most commented
issues-filter-apply = Apply
issues-filter-clear = Clear the filters
issues-results-heading = Issues found
issues-bad-cursor = That page link has expired, so the list starts again from the first page.
issues-showing-one = { $count } issue on this page.
issues-showing-other = { $count } issues on this page.
issues-empty-repo = No issues yet.
issues-empty-open = No open issues.
issues-empty-closed = No closed issues.
issues-empty-filtered = No issue matches these filters.
issues-open-first = Open the first issue
issues-sign-in-to-open = Sign in to open the first issue
issues-row-opened = opened on
issues-row-by = by
issues-row-milestone = Milestone:
issues-comments-one = { $count } comment
issues-comments-other = { $count } comments
issues-pager = Pages of issues
issues-first-page = First page
issues-next-page = Next page

## Opening an issue
issue-new-title = New issue
issue-new-intro = Describe the problem or the idea so that someone else can understand it without asking: what you did, what you expected, what happened.
issue-field-title = Title
issue-field-body = Description
issue-markdown-hint = You may use Markdown. #12 links to issue 12, @name to a person or an organisation.
issue-field-labels = Labels
issue-field-milestone = Milestone
issue-field-assignees = Assignees
issue-field-assignees-hint = Names of the people in charge, separated by commas. Leave empty for nobody.
issue-new-submit = Open the issue
issue-preview = Preview
issue-preview-heading = Preview of the description
issue-preview-empty = The description is empty: nothing to preview.

## One issue
issue-state-open = Open
issue-state-closed = Closed
issue-closed-as-completed = Closed as completed
issue-closed-as-not_planned = Closed as not planned
issue-closed-as-duplicate = Closed as a duplicate
issue-locked-badge = Locked
issue-opened-by = Opened by { $author } on { $date }
issue-no-description = No description.
issue-edit-summary = Edit the title and description
issue-edit-save = Save the changes
issue-timeline-heading = Activity
issue-sidebar-label = About this issue

## The timeline
issue-event-someone = Someone
issue-event-deleted-milestone = a deleted milestone
issue-event-opened = { $actor } opened this issue
issue-event-commented = { $actor } commented
issue-event-labeled = { $actor } added the label { $label }
issue-event-unlabeled = { $actor } removed the label { $label }
issue-event-assigned = { $actor } assigned { $assignee }
issue-event-unassigned = { $actor } unassigned { $assignee }
issue-event-milestoned = { $actor } added this issue to the milestone { $milestone }
issue-event-demilestoned = { $actor } removed this issue from the milestone { $milestone }
issue-event-closed = { $actor } closed this issue
issue-event-closed-completed = { $actor } closed this issue as completed
issue-event-closed-not_planned = { $actor } closed this issue as not planned
issue-event-closed-duplicate = { $actor } closed this issue as a duplicate
issue-event-closed-commit = { $actor } closed this issue with the commit { $commit }
issue-event-reopened = { $actor } reopened this issue
issue-event-renamed = { $actor } changed the title from “{ $old }” to “{ $new }”
issue-event-locked = { $actor } locked the conversation: only maintainers may comment now
issue-event-unlocked = { $actor } unlocked the conversation
issue-event-referenced = { $actor } mentioned this issue in the commit { $commit }
issue-event-cross-referenced = { $actor } mentioned this issue in { $issue }
issue-event-changed = { $actor } changed something on this issue

## Comments
issue-comment-edited = edited
issue-comment-hidden-badge = Hidden
issue-comment-hidden = This comment was hidden by a maintainer.
issue-comment-hidden-show = Hidden by a maintainer: show the comment
issue-comment-edit = Edit this comment
issue-comment-field = Your comment
issue-comment-save = Save the comment
issue-comment-hide = Hide this comment
issue-comment-unhide = Show this comment again
issue-comment-delete = Delete this comment…
issue-comment-new-heading = Add a comment
issue-comment-submit = Comment
issue-comment-sign-in = Sign in to comment
issue-locked-notice = This issue is locked: only maintainers may comment.
issue-locked-maintainer-note = This issue is locked: you may comment because you maintain the repository.
issue-comment-delete-title = Delete a comment
issue-comment-delete-question = Delete this comment by { $author } on the issue
issue-comment-delete-warning = Deleting cannot be undone: the comment disappears from the issue for everyone.
issue-comment-delete-submit = Yes, delete this comment
issue-comment-delete-cancel = No, keep it

## Closing and reopening
issue-close-heading = Close this issue
issue-reopen-heading = Reopen this issue
issue-close-reason = Reason
issue-reason-completed = Completed
issue-reason-not_planned = Not planned
issue-reason-duplicate = Duplicate
issue-close-submit = Close the issue
issue-reopen-submit = Reopen the issue

## The sidebar
issue-labels-heading = Labels
issue-labels-none = No labels.
issue-labels-create = Create labels for this repository
issue-labels-change = Change the labels
issue-labels-apply = Apply the labels
issue-milestone-heading = Milestone
issue-milestone-none = No milestone
issue-milestone-change = Choose the milestone
issue-milestone-apply = Set the milestone
issue-assignees-heading = Assignees
issue-assignees-none = Nobody is assigned.
issue-assignees-change = Who is in charge
issue-assignees-apply = Save the assignees
issue-lock-heading = Conversation
issue-lock-is-open = Everyone with access may comment.
issue-lock-is-locked = Locked: only maintainers may comment.
issue-lock-submit = Lock the conversation
issue-unlock-submit = Unlock the conversation

## Labels
labels-title = Labels
labels-intro = Labels sort issues by kind or by subject. Each one has a name and a colour; the name is always shown.
labels-none = This repository has no labels yet.
labels-none-maintainer = This repository has no labels yet: create the first one below.
labels-issues-link = Issues labelled “{ $name }”
labels-edit-named = Edit the label “{ $name }”
labels-delete-named = Delete the label “{ $name }”
labels-delete-hint = Deleting a label removes it from every issue.
labels-new-heading = New label
labels-field-name = Name
labels-field-colour = Colour
labels-field-colour-hint = Pick a colour, or write its code as #rrggbb (for example #d73a4a). The text on it is made readable automatically.
labels-field-colour-picker = Colour picker
labels-field-colour-code = Colour code
labels-field-description = Description (optional)
labels-save = Save the label
labels-create = Create the label

## Milestones
milestones-title = Milestones
milestones-intro = Milestones group the issues to finish together, for a release or a date.
milestones-none = This repository has no milestones yet.
milestones-none-maintainer = This repository has no milestones yet: create the first one below.
milestones-state-open = Open
milestones-state-closed = Closed
milestones-due = Due on
milestones-no-due = No due date
milestones-overdue = (past its due date)
milestones-progress-label = Progress
milestones-progress = { $closed } of { $total } closed ({ $percent }%)
milestones-no-issues = No issues yet
milestones-close-named = Close the milestone “{ $title }”
milestones-reopen-named = Reopen the milestone “{ $title }”
milestones-edit-named = Edit the milestone “{ $title }”
milestones-delete-named = Delete the milestone “{ $title }”
milestones-delete-hint = Its issues stay, without a milestone.
milestones-new-heading = New milestone
milestones-field-title = Title
milestones-field-due = Due date (optional)
milestones-field-due-hint = The day the work should be done, for example 2026-12-31.
milestones-field-description = Description (optional)
milestones-save = Save the milestone
milestones-create = Create the milestone
error-milestone-due = Write the date as year-month-day, for example 2026-12-31.
