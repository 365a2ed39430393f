# Best-so-far regret curves written by examples/hyperparameter_prediction: one panel per base
# model, mean normalised regret of the best configuration found after k evaluations (log k).
# The example runs this script itself when gnuplot is installed; to redo a plot:
#
#   gnuplot -e "dir='results'; models='logistic_regression decision_tree_classifier'; tasks='20 20'" \
#           scripts/plot-regret.gp
#
# Variables (set them with -e before the script name):
#   dir      folder holding regret_curves_<model>.dat (default 'results')
#   models   base model names separated by spaces, one panel each (required)
#   tasks    optional: the number of tasks of each model, same order, shown in the titles
#   outfile  optional: the PNG to write (default <dir>/regret_curves.png)
# Columns of regret_curves_<model>.dat: k, then the mean best-so-far normalised regret of random
# search, portfolio order, nearest-datasets order and meta-model-guided search.

if (!exists("dir")) dir = 'results'
if (!exists("models") || words(models) == 0) {
    print "plot-regret.gp: set the models to plot, e.g. gnuplot -e \"models='logistic_regression'\" plot-regret.gp"
    exit status 2
}
if (!exists("tasks")) tasks = ''
if (!exists("outfile")) outfile = dir.'/regret_curves.png'
n_panels = words(models)

set terminal pngcairo size 640*n_panels,480 noenhanced
set output outfile
set multiplot layout 1,n_panels
set logscale x
set xlabel 'evaluations k'
set ylabel 'mean best-so-far normalised regret'
set key top right
set grid
set yrange [0:*]
do for [i=1:n_panels] {
    model = word(models, i)
    data = dir.'/regret_curves_'.model.'.dat'
    if (words(tasks) >= i) {
        set title sprintf('%s (%s tasks)', model, word(tasks, i))
    } else {
        set title model
    }
    plot data using 1:2 with linespoints title 'random', \
         data using 1:3 with linespoints title 'portfolio', \
         data using 1:4 with linespoints title 'nearest datasets', \
         data using 1:5 with linespoints title 'meta-model guided'
}
unset multiplot
set output
