#!/bin/sh
# Writes the CSV files of the pipeline fixture into fixture/ next to this
# script. The fixture is built so that its latency, late-logging,
# candidate, stall and quota figures are known by construction. The table
# of cases below and the comments of tests/test_pipeline_fixture.c state
# them, and the test compares credo's output with those figures.
#
# Each latency case is one open deal of 1,000.00 on its own account, logged
# on 2024-04-01 plus its case number in days, with a qualifying meeting
# LATENCY days before the logging. Every case also has an email (not a
# qualifying type) 10 days before the meeting, and a demo the day after
# the logging; neither may change the result. A case with latency "none"
# has the email only.
# Run from any folder: sh tests/data/pipeline/make-fixture.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out="$here/fixture"
mkdir -p "$out"

awk -v out="$out" '
# Days since 1970-01-01 from a civil date, and back (proleptic Gregorian).
function days_from_civil(y, m, d,    era, yoe, doy, doe) {
    y -= (m <= 2); era = int((y >= 0 ? y : y - 399) / 400); yoe = y - era * 400
    doy = int((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1
    doe = yoe * 365 + int(yoe / 4) - int(yoe / 100) + doy
    return era * 146097 + doe - 719468
}
function civil(z,    era, doe, yoe, y, doy, mp, d, m) {
    z += 719468; era = int((z >= 0 ? z : z - 146096) / 146097); doe = z - era * 146097
    yoe = int((doe - int(doe / 1460) + int(doe / 36524) - int(doe / 146096)) / 365)
    y = yoe + era * 400; doy = doe - (365 * yoe + int(yoe / 4) - int(yoe / 100))
    mp = int((5 * doy + 2) / 153); d = doy - int((153 * mp + 2) / 5) + 1
    m = mp + (mp < 10 ? 3 : -9)
    return sprintf("%04d-%02d-%02d", y + (m <= 2), m, d)
}
BEGIN {
    # rep, manager, latency in days ("none": no qualifying activity)
    n = split("rep_a1 mgr_a 0,rep_a1 mgr_a 5,rep_a1 mgr_a 12,rep_a1 mgr_a 40,rep_a1 mgr_a 100," \
              "rep_a2 mgr_a 2,rep_a2 mgr_a 2,rep_a2 mgr_a 9,rep_a2 mgr_a none," \
              "rep_b1 mgr_b 30,rep_b1 mgr_b 31,rep_b1 mgr_b 90,rep_b1 mgr_b 91", cases, ",")
    reps = out "/reps.csv"; accounts = out "/accounts.csv"; deals = out "/deals.csv"
    activities = out "/activities.csv"; history = out "/history.csv"; quotas = out "/quotas.csv"
    print "rep,name,manager" > reps
    print "mgr_a,Ada Manager," > reps
    print "mgr_b,Bo Manager," > reps
    print "rep_a1,Ann One,mgr_a" > reps
    print "rep_a2,Al Two,mgr_a" > reps
    print "rep_b1,Bea One,mgr_b" > reps
    print "account,name" > accounts
    print "deal,account,owner,stage,status,amount,created,close" > deals
    print "activity,rep,account,deal,type,time" > activities
    print "row,deal,date,stage,amount,close" > history
    print "rep,start,end,currency,amount" > quotas

    base = days_from_civil(2024, 4, 1); activity = 0
    for (i = 1; i <= n; i++) {
        split(cases[i], c, " ")
        account = sprintf("acc%02d", i); deal = sprintf("lat%02d", i); logged = base + i
        print account "," account > accounts
        print deal "," account "," c[1] ",Discover,open,1000.00," civil(logged) "," > deals
        meeting = c[3] == "none" ? logged - 20 : logged - c[3]
        if (c[3] != "none")
            printf "a%03d,%s,%s,,meeting,%s 09:30\n", ++activity, c[1], account, civil(meeting) > activities
        printf "a%03d,%s,%s,,email,%s 08:00\n", ++activity, c[1], account, civil(meeting - 10) > activities
        printf "a%03d,%s,%s,%s,demo,%s 15:00\n", ++activity, c[1], account, deal, civil(logged + 1) > activities
    }

    # Late logging: late01 appears first in Negotiate (the late stage);
    # hist01 moves Discover -> Negotiate, its close date pushed twice and
    # its amount cut from 1,000.00 to 700.00; won01 was logged on the day
    # it was won.
    print "acc90,acc90" > accounts
    print "late01,acc90,rep_b1,Negotiate,open,500.00,2024-06-01," > deals
    print "h01,late01,2024-06-01,Negotiate,500.00," > history
    print "hist01,acc90,rep_b1,Negotiate,open,700.00,2024-05-01,2024-09-01" > deals
    print "h02,hist01,2024-05-01,Discover,1000.00,2024-06-15" > history
    print "h03,hist01,2024-05-20,Negotiate,,2024-07-31" > history
    print "h04,hist01,2024-06-10,,700.00,2024-09-01" > history
    print "won01,acc90,rep_a1,Won,won,2000.00,2024-05-15,2024-05-15" > deals

    # Candidates: cand1 had a meeting 5 days before the as-of date and has
    # no deal; cand2 had one but has an open deal; cand3 had one 31 days
    # before the as-of date.
    print "cand1,cand1" > accounts
    print "cand2,cand2" > accounts
    print "cand3,cand3" > accounts
    print "open02,cand2,rep_a2,Discover,open,100.00,2024-01-01," > deals
    printf "a%03d,rep_b1,cand1,,meeting,2024-06-25 10:00\n", ++activity > activities
    printf "a%03d,rep_a2,cand2,,meeting,2024-06-25 10:00\n", ++activity > activities
    printf "a%03d,rep_a2,cand3,,meeting,2024-05-30 10:00\n", ++activity > activities

    # rep_a1 has a quota of 10,000.00 for the second quarter of 2024.
    print "rep_a1,2024-04-01,2024-07-01,USD,10000.00" > quotas
}'
echo "wrote $out"
