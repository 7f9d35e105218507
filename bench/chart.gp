# bench/chart.gp -- the benchmark's ratios against their goals, as an SVG.
#
#   gnuplot -e "datafile='…'; outfile='…'; subtitle='…'; width=1400" bench/chart.gp
#
# datafile: one case per line: index, "label", ratio, goal, met (yes/no).
# A bar is a ratio (the figure's time over its baseline's, the export's
# memory growth over its budget, or a time over its goal); the black mark
# over it is the goal, an upper bound: a bar that ends below its mark meets
# its goal.  The scale is logarithmic so that 0.005 and 1.5 are both
# readable.  width (pixels) defaults to 1000; run.sh widens it with the
# number of cases.

if (!exists("width")) width = 1000
set terminal svg size width,640 dynamic enhanced font "Helvetica,12" background rgb "white"
set output outfile

# before any range is set: stats keeps only the values inside the ranges
stats datafile using 1 nooutput

set title "task_outputs read benchmark: ratio against goal (lower is better)\n".subtitle noenhanced
set logscale y 10
set yrange [0.002:10]
set ytics ("0.003" 0.003, "0.01" 0.01, "0.03" 0.03, "0.1" 0.1, "0.33" 0.333, "1" 1, "1.5" 1.5, "3" 3, "10" 10)
set grid ytics lc rgb "#dddddd"
set ylabel "ratio"
set xrange [0.4:STATS_max + 0.6]
set xtics rotate by -40 nomirror font ",10" noenhanced
set bmargin 12
set key top left
set style fill solid 0.85 border lc rgb "#333333"
set boxwidth 0.6

met(s) = (strcol(s) eq "yes") ? 0x2e8b57 : 0xcc3333

plot datafile using 1:3:(met(5)):xtic(2) with boxes lc rgb variable notitle, \
     datafile using 1:3:(sprintf("%.3g", $3)) with labels offset 0,0.8 font ",9" notitle, \
     datafile using ($1 - 0.4):4:(0.8):(0) with vectors nohead lw 3 lc rgb "black" title "goal (upper bound)", \
     NaN with boxes lc rgb "#2e8b57" title "met", \
     NaN with boxes lc rgb "#cc3333" title "not met"
