# The leave-one-task-out tables of the shipped knowledge as curves: one panel per base model,
# mean normalised regret of the best configuration after k picks (log k) for each zero-shot
# strategy (0 = a task's best configuration of the plan, 1 = its worst).
#
#   gnuplot scripts/plot-knowledge.gp
#   gnuplot -e "file='my-knowledge/loo-regret.csv'; outfile='loo.png'" scripts/plot-knowledge.gp
#
# Variables (set them with -e before the script name):
#   file     the table, as `build_knowledge --evaluate` writes it to <out>/loo-regret.csv
#            (default share/knowledge/loo-regret.csv); columns model, strategy, k, mean_regret,
#            ci_low, ci_high, mean_rank_at_1, n_tasks; the rows of one model and strategy together
#   outfile  the PNG to write (default share/knowledge/loo-regret.png)

if (!exists("file")) file = 'share/knowledge/loo-regret.csv'
if (!exists("outfile")) outfile = 'share/knowledge/loo-regret.png'

set datafile separator ','
models = system("tail -n +2 '".file."' | cut -d, -f1 | awk '!seen[$0]++' | tr '\\n' ' '")
strategies = system("tail -n +2 '".file."' | cut -d, -f2 | awk '!seen[$0]++' | tr '\\n' ','")
n_models = words(models)
if (n_models == 0) {
    print "plot-knowledge.gp: no rows in ".file
    exit status 2
}
n_strategies = strlen(strategies) > 0 ? system("printf '%s' '".strategies."' | tr -cd , | wc -c") + 0 : 0
strategy(i) = system("printf '%s' '".strategies."' | cut -d, -f".i)
n_columns = n_models < 4 ? n_models : 4
n_rows = (n_models + n_columns - 1) / n_columns

set terminal pngcairo size 420*n_columns,340*n_rows font ',9' noenhanced
set output outfile
set multiplot layout n_rows,n_columns
set logscale x
set xtics (1, 2, 3, 5, 10, 25)
set xrange [0.9:30]
set xlabel 'picks k'
set ylabel 'mean normalised regret'
set grid
set yrange [0:*]
set key top right
do for [m=1:n_models] {
    model = word(models, m)
    set title model
    if (m > 1) { unset key }
    plot for [i=1:n_strategies] file using (strcol(1) eq model && strcol(2) eq strategy(i) ? $3 : NaN):4 \
         with linespoints title strategy(i)
}
unset multiplot
set output
