"""From the evaluation result to a signed contract (issue 5, point 5): the evaluation report
signed by every sitting expert, the candidates' publicity with objections, the award notice and
the contract record; a failed evaluation returns the tender to a re-tender."""
