"""What an appraisal period measures and how: periods and their scoring policy, the survey's
indicators (the SKM elements), the pure scoring of PermenPANRB 14/2017, and the supervisor's
rating and the officer's disputes."""
